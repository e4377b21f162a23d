-- AlterTable
ALTER TABLE "ShopSettings" ADD COLUMN     "duplicatePixelSeenAt" TIMESTAMP(3);
