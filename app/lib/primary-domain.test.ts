import { describe, expect, it } from "vitest";
import { primaryDomainOrigin } from "./primary-domain";

describe("primaryDomainOrigin", () => {
  it.each([
    ["https://shop.example.com", "https://shop.example.com"],
    ["https://Shop.Example.com/", "https://shop.example.com"],
    ["http://shop.example.com/path?q=1", "https://shop.example.com"],
    ["shop.example.com", "https://shop.example.com"],
    ["jsmith.myshopify.com", "https://jsmith.myshopify.com"],
  ])("reads %j as %j", (input, origin) => {
    expect(primaryDomainOrigin(input)).toBe(origin);
  });

  it.each([null, undefined, 42, "", "   ", "localhost", "https://", "not a host", "javascript:alert(1)"])(
    "reads %j as unknown",
    (input) => {
      expect(primaryDomainOrigin(input)).toBeNull();
    },
  );
});
