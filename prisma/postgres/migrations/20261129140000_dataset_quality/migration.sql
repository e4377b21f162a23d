-- CreateTable
CREATE TABLE "DatasetQualitySnapshot" (
    "shop" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "payload" TEXT,
    "fetchedAt" TIMESTAMP(3),
    "checkedAt" TIMESTAMP(3) NOT NULL,
    "credentialKey" TEXT NOT NULL,

    CONSTRAINT "DatasetQualitySnapshot_pkey" PRIMARY KEY ("shop")
);

