-- AlterTable
ALTER TABLE "ShopSettings" ADD COLUMN "sendPosOrders" BOOLEAN NOT NULL DEFAULT false;
ALTER TABLE "ShopSettings" ADD COLUMN "primaryDomain" TEXT;
