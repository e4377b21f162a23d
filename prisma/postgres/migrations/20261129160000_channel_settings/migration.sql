-- AlterTable
ALTER TABLE "ShopSettings" ADD COLUMN     "sendPosOrders" BOOLEAN NOT NULL DEFAULT false,
ADD COLUMN     "primaryDomain" TEXT;
