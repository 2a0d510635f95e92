/**
 * Generated code, a line at a time at an indent level (as EF Core's IndentedStringBuilder builds migrations): the
 * structure of the code is in the calls, not in literal runs of spaces.
 */
export class IndentedBuilder {
  private readonly lines: string[] = [];
  private level: number;

  constructor(
    base = 0,
    private readonly unit = '    ',
  ) {
    this.level = base;
  }

  /** One line at the current level (an empty line has no indent). */
  line(text = ''): this {
    this.lines.push(text ? this.unit.repeat(this.level) + text : '');
    return this;
  }

  /** The lines `body` writes, one level deeper. */
  indented(body: () => void): this {
    this.level++;
    try {
      body();
    } finally {
      this.level--;
    }
    return this;
  }

  /** Text added to the end of the last line (a comma, a closing `);`). */
  append(text: string): this {
    this.lines[this.lines.length - 1] += text;
    return this;
  }

  toString(): string {
    return this.lines.join('\n');
  }
}
