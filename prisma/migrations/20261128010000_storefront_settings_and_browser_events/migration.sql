-- CreateTable
CREATE TABLE "BrowserEvent" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "shop" TEXT NOT NULL,
    "eventName" TEXT NOT NULL,
    "eventId" TEXT NOT NULL,
    "source" TEXT NOT NULL,
    "seenAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_ShopSettings" (
    "shop" TEXT NOT NULL PRIMARY KEY,
    "pixelId" TEXT,
    "accessTokenSealed" TEXT,
    "accessTokenHint" TEXT,
    "testEventCode" TEXT,
    "enabledEvents" TEXT NOT NULL DEFAULT 'PageView,ViewContent,AddToCart,InitiateCheckout,Purchase',
    "connectionState" TEXT NOT NULL DEFAULT 'disconnected',
    "connectionError" TEXT,
    "consentMode" TEXT NOT NULL DEFAULT 'customer-privacy',
    "limitedDataUse" BOOLEAN NOT NULL DEFAULT false,
    "webPixelId" TEXT,
    "storefrontSyncedAt" DATETIME,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL
);
INSERT INTO "new_ShopSettings" ("accessTokenHint", "accessTokenSealed", "connectionError", "connectionState", "createdAt", "enabledEvents", "pixelId", "shop", "testEventCode", "updatedAt") SELECT "accessTokenHint", "accessTokenSealed", "connectionError", "connectionState", "createdAt", "enabledEvents", "pixelId", "shop", "testEventCode", "updatedAt" FROM "ShopSettings";
DROP TABLE "ShopSettings";
ALTER TABLE "new_ShopSettings" RENAME TO "ShopSettings";
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;

-- CreateIndex
CREATE INDEX "BrowserEvent_shop_seenAt_idx" ON "BrowserEvent"("shop", "seenAt");

-- CreateIndex
CREATE UNIQUE INDEX "BrowserEvent_shop_eventName_eventId_key" ON "BrowserEvent"("shop", "eventName", "eventId");

