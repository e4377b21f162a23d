-- AlterTable
ALTER TABLE "ShopSettings" ADD COLUMN     "customEvents" TEXT;

-- CreateTable
CREATE TABLE "StorefrontEvent" (
    "id" SERIAL NOT NULL,
    "shop" TEXT NOT NULL,
    "pixelId" TEXT NOT NULL,
    "eventName" TEXT NOT NULL,
    "eventId" TEXT NOT NULL,
    "eventTime" TIMESTAMP(3) NOT NULL,
    "payload" TEXT NOT NULL,
    "customerKey" TEXT,
    "status" TEXT NOT NULL DEFAULT 'pending',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "nextAttemptAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "leaseOwner" TEXT,
    "leaseExpiresAt" TIMESTAMP(3),
    "lastError" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "StorefrontEvent_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "StorefrontEvent_status_nextAttemptAt_idx" ON "StorefrontEvent"("status", "nextAttemptAt");

-- CreateIndex
CREATE INDEX "StorefrontEvent_createdAt_idx" ON "StorefrontEvent"("createdAt");

-- CreateIndex
CREATE INDEX "StorefrontEvent_shop_customerKey_idx" ON "StorefrontEvent"("shop", "customerKey");

-- CreateIndex
CREATE UNIQUE INDEX "StorefrontEvent_shop_eventName_eventId_key" ON "StorefrontEvent"("shop", "eventName", "eventId");

