/** The UI kinds passkey-migrate plans for, by name (--ui, --manage-ui). */
import type { UiKindPlanner } from './context.js';
import { mvcKind } from './mvc.js';
import { razorPagesKind } from './razor-pages.js';

export type UiKind = UiKindPlanner['name'];

export const UI_KINDS: Record<UiKind, UiKindPlanner> = { razor: razorPagesKind, mvc: mvcKind };

export function uiKind(name: UiKind): UiKindPlanner {
  return UI_KINDS[name];
}

export function isUiKind(name: string): name is UiKind {
  return Object.hasOwn(UI_KINDS, name);
}
