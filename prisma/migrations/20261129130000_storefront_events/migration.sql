-- AlterTable
ALTER TABLE "ShopSettings" ADD COLUMN "customEvents" TEXT;

-- CreateTable
CREATE TABLE "StorefrontEvent" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "shop" TEXT NOT NULL,
    "pixelId" TEXT NOT NULL,
    "eventName" TEXT NOT NULL,
    "eventId" TEXT NOT NULL,
    "eventTime" DATETIME NOT NULL,
    "payload" TEXT NOT NULL,
    "customerKey" TEXT,
    "status" TEXT NOT NULL DEFAULT 'pending',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "nextAttemptAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "leaseOwner" TEXT,
    "leaseExpiresAt" DATETIME,
    "lastError" TEXT,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- CreateIndex
CREATE INDEX "StorefrontEvent_status_nextAttemptAt_idx" ON "StorefrontEvent"("status", "nextAttemptAt");

-- CreateIndex
CREATE INDEX "StorefrontEvent_createdAt_idx" ON "StorefrontEvent"("createdAt");

-- CreateIndex
CREATE INDEX "StorefrontEvent_shop_customerKey_idx" ON "StorefrontEvent"("shop", "customerKey");

-- CreateIndex
CREATE UNIQUE INDEX "StorefrontEvent_shop_eventName_eventId_key" ON "StorefrontEvent"("shop", "eventName", "eventId");

