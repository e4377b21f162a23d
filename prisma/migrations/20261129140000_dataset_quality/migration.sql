-- CreateTable
CREATE TABLE "DatasetQualitySnapshot" (
    "shop" TEXT NOT NULL PRIMARY KEY,
    "status" TEXT NOT NULL,
    "payload" TEXT,
    "fetchedAt" DATETIME,
    "checkedAt" DATETIME NOT NULL,
    "credentialKey" TEXT NOT NULL
);

