-- AlterTable
ALTER TABLE "ShopSettings" ADD COLUMN "duplicatePixelSeenAt" DATETIME;
