START TRANSACTION;
ALTER TABLE auth."AspNetUsers" ALTER COLUMN "PhoneNumber" TYPE character varying(256);

CREATE TABLE auth."AspNetUserPasskeys" (
    "CredentialId" bytea NOT NULL,
    "UserId" uuid NOT NULL,
    "Data" jsonb NOT NULL,
    CONSTRAINT "PK_AspNetUserPasskeys" PRIMARY KEY ("CredentialId"),
    CONSTRAINT "FK_AspNetUserPasskeys_AspNetUsers_UserId" FOREIGN KEY ("UserId") REFERENCES auth."AspNetUsers" ("Id") ON DELETE CASCADE
);

CREATE INDEX "IX_AspNetUserPasskeys_UserId" ON auth."AspNetUserPasskeys" ("UserId");

INSERT INTO "__EFMigrationsHistory" ("MigrationId", "ProductVersion")
VALUES ('ID', '10.0.15');

COMMIT;


