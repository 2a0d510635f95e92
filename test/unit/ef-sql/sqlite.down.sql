BEGIN TRANSACTION;
DROP TABLE "AspNetUserPasskeys";

DELETE FROM "__EFMigrationsHistory"
WHERE "MigrationId" = 'ID';

COMMIT;


