START TRANSACTION;
DROP TABLE auth."AspNetUserPasskeys";

ALTER TABLE auth."AspNetUsers" ALTER COLUMN "PhoneNumber" TYPE text;

DELETE FROM "__EFMigrationsHistory"
WHERE "MigrationId" = 'ID';

COMMIT;


