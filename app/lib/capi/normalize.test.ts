import { describe, expect, it } from "vitest";
import {
  hashUserField,
  normalizeCity,
  normalizeCountry,
  normalizeEmail,
  normalizeExternalId,
  normalizeName,
  normalizePhone,
  normalizeState,
  normalizeZip,
  sha256Hex,
} from "./normalize";

// Literal hashes from meta-capi-reference.md §3 (Meta's published examples and the extra vectors).
const META = {
  johnSmithEmail: "62a14e44f765419d10fea99367361a727c12365e2520f32218d505ed9aa0f62f",
  usPhone16505551212: "e323ec626319ca94ee8bff2e4c87cf613be6ea19919ed1364124e16807ab3176",
  mary: "6915771be1c5aa0c886870b6951b03d7eafc121fea0e80a5ea83beb7c449f4ec",
  jeong: "8fa8cd9c440be61d0151429310034083132b35975c4bea67fdd74158eb51db14",
  valery: "08e1996b5dd49e62a4b4c010d44e4345592a863bb9f8e3976219bac29417149c",
  us: "79adb2a2fce5c6ba215fe5f27f532d4e7edbac4b6a5e09e1ef3a08084a904621",
  ca: "6959097001d10501ac7d54c0bdb8db61420f658f2922cc26e46d536119a31126",
  zip94035: "1794327a4d443904421f5ca1f3d72d0a62ba2f0770d80755ec2220fc0efb052e",
  newyork: "350c754ba4d38897693aa077ef43072a859d23f613443133fecbbd90a3512ca5",
  paris: "1670f2e42fefa5044d59a65349e47c566009488fc57d7b4376dd5787b59e3c57",
  phone12345678901: "254aa248acb47dd654ca3ea53f48c2c26d641d23d7e2e93a1ec56258df7674c4",
  phone14251234567: "6f4fcb9deaeadc8f9746ae76d97ce1239e98b404efe5da3ee0b7149740f89ad6",
  testEmail: "973dfe463ec85785f5f95af5ba3906eedb2d931c24e69824a89ea65dba4e813b",
  f: "252f10c83610ebca1a059c0bae8255eba2f95be4d1d7bcfa89d7248a82d9f111",
  m: "62c66a7a5dd70c3146618063c344e531e6d4b59e379808443ce962b3abd63c5a",
  // Negative vector: a US number without its country code; Meta never matches it.
  withoutCountryCode6505551212: "5eed6d50c9a69704a9a72b4af7d14d04d33e4460039e101b525f5d4f8a106a38",
};

const hash = (v: string | undefined) => hashUserField(v);

describe("Meta's published vectors", () => {
  it("em: John_Smith@gmail.com", () => {
    expect(normalizeEmail("John_Smith@gmail.com")).toBe("john_smith@gmail.com");
    expect(hash(normalizeEmail("  John_Smith@gmail.com "))).toBe(META.johnSmithEmail);
    expect(hash(normalizeEmail("test@example.com"))).toBe(META.testEmail);
  });

  it("ph: US (650)555-1212 → 16505551212, never the 10-digit form", () => {
    const ph = normalizePhone("(650)555-1212", "US");
    expect(ph).toBe("16505551212");
    expect(hash(ph)).toBe(META.usPhone16505551212);
    expect(hash(ph)).not.toBe(META.withoutCountryCode6505551212);
    expect(sha256Hex("6505551212")).toBe(META.withoutCountryCode6505551212);
  });

  it("ph: the numbers of Meta's sample payload", () => {
    expect(hash(normalizePhone("+1 (425) 123-4567"))).toBe(META.phone14251234567);
    expect(hash(normalizePhone("425-123-4567", "us"))).toBe(META.phone14251234567);
    // 234 is a valid US area code, so the sample's 12345678901 reads as +1 234 567 8901.
    expect(hash(normalizePhone("+1 234 567 8901"))).toBe(META.phone12345678901);
  });

  it("fn: Mary, 정, Valéry", () => {
    expect(hash(normalizeName("Mary"))).toBe(META.mary);
    expect(normalizeName("정")).toBe("정");
    expect(hash(normalizeName("정"))).toBe(META.jeong);
    expect(normalizeName("Valéry")).toBe("valéry");
    expect(hash(normalizeName("Valéry"))).toBe(META.valery);
    // Decomposed é (e + U+0301) must hash like the precomposed one.
    expect(hash(normalizeName("Vale\u0301ry"))).toBe(META.valery);
  });

  it("country: United States → us", () => {
    expect(normalizeCountry("United States")).toBe("us");
    expect(hash(normalizeCountry("United States"))).toBe(META.us);
    expect(hash(normalizeCountry("US"))).toBe(META.us);
  });

  it("extra vectors: st ca, zp 94035, ct newyork, ct paris", () => {
    expect(hash(normalizeState("CA", "US"))).toBe(META.ca);
    expect(hash(normalizeState("California", "US"))).toBe(META.ca);
    expect(hash(normalizeZip("94035-1234", "US"))).toBe(META.zip94035);
    expect(hash(normalizeCity("New York"))).toBe(META.newyork);
    expect(hash(normalizeCity("Paris"))).toBe(META.paris);
  });

  it("sha256Hex is lowercase hex of UTF-8", () => {
    expect(sha256Hex("f")).toBe(META.f);
    expect(sha256Hex("m")).toBe(META.m);
  });
});

describe("normalizeEmail", () => {
  it.each([
    ["JOHN@Example.COM", "john@example.com"],
    ["\tjohn.smith+tag@example.co.uk\n", "john.smith+tag@example.co.uk"],
  ])("%j → %j", (raw, expected) => expect(normalizeEmail(raw)).toBe(expected));

  it.each([
    [""],
    ["   "],
    ["john"],
    ["john@"],
    ["@example.com"],
    ["john@example"],
    ["jo hn@example.com"],
    ["a@b@c.com"],
    ["john@example..com"],
    [null],
    [undefined],
  ])("rejects %j", (raw) => expect(normalizeEmail(raw)).toBeUndefined());
});

describe("normalizePhone", () => {
  it.each([
    ["+1 650 555 1212", undefined, "16505551212"],
    ["1-650-555-1212", "US", "16505551212"],
    ["16505551212", "US", "16505551212"],
    ["(650)555-1212 ext. 12", "US", "16505551212"],
    ["650.555.12 12 (cell)", "US", "16505551212"],
    ["650-555-12a12", "US", "16505551212"],
    ["６５０５５５１２１２", "US", "16505551212"],
    ["07911 123456", "GB", "447911123456"],
    ["+44 7911 123456", "US", "447911123456"],
    ["0044 7911 123456", "US", "447911123456"],
    ["011 44 7911 123456", "US", "447911123456"],
    ["06 12 34 56 78", "FR", "33612345678"],
    ["0033 6 12 34 56 78", "fr", "33612345678"],
    ["123-123-1234", "CA", "11231231234"],
  ])("%j in %s → %s", (raw, country, expected) => expect(normalizePhone(raw, country)).toBe(expected));

  it("does not guess a country code it cannot know", () => {
    expect(normalizePhone("6505551212")).toBeUndefined();
    expect(normalizePhone("6505551212", "ZZ")).toBeUndefined();
    expect(normalizePhone("6505551212", "")).toBeUndefined();
  });

  it.each([["555-555-SHIP"], ["650555121"], ["1-800-GOT-MILK"], [""], ["+"], ["abc"], [null]])("rejects %j", (raw) =>
    expect(normalizePhone(raw, "US")).toBeUndefined(),
  );

  it("never keeps a leading zero", () => {
    expect(normalizePhone("0612345678", "FR")).toBe("33612345678");
  });
});

describe("normalizeName", () => {
  it.each([
    ["  Mary-Jane ", "maryjane"],
    ["O'Brien", "obrien"],
    ["ÉLODIE", "élodie"],
    ["José María", "josémaría"],
    ["Müller", "müller"],
    ["Zoë.", "zoë"],
    ["प्रिया", "प्रिया"],
    ["Иван", "иван"],
    ["山田", "山田"],
  ])("%j → %j", (raw, expected) => expect(normalizeName(raw)).toBe(expected));

  it.each([[""], [" "], ["-"], ["..."], [null], [undefined]])("rejects %j", (raw) => expect(normalizeName(raw)).toBeUndefined());
});

describe("normalizeCity", () => {
  it.each([
    ["New York", "newyork"],
    ["  St. John's ", "stjohns"],
    ["Winston-Salem", "winstonsalem"],
    ["São Paulo", "sãopaulo"],
  ])("%j → %j", (raw, expected) => expect(normalizeCity(raw)).toBe(expected));
});

describe("normalizeState", () => {
  it.each([
    ["NY", "US", "ny"],
    ["New York", "US", "ny"],
    ["new york", "us", "ny"],
    ["N.Y.", "US", "ny"],
    ["US-CA", "US", "ca"],
    ["District of Columbia", "US", "dc"],
    ["Ontario", "CA", "on"],
    ["Québec", "CA", "qc"],
    ["QC", "CA", "qc"],
    ["California", undefined, "ca"],
    ["Bayern", "DE", "bayern"],
    ["JP-13", "JP", "jp13"],
    ["Île-de-France", "FR", "îledefrance"],
  ])("%j in %s → %j", (raw, country, expected) => expect(normalizeState(raw, country)).toBe(expected));

  it("does not map a Canadian name for a US address", () => {
    expect(normalizeState("Ontario", "US")).toBe("ontario");
  });

  it("ignores inherited object keys", () => {
    expect(normalizeState("constructor", "US")).toBe("constructor");
    expect(normalizeCountry("constructor")).toBeUndefined();
    expect(normalizeCountry("__proto__")).toBeUndefined();
  });
});

describe("normalizeZip", () => {
  it.each([
    ["94035-1234", "US", "94035"],
    ["10001 1234", "us", "10001"],
    ["02134", "US", "02134"],
    ["M1 1AE", "GB", "m11ae"],
    ["K2H 7A8", "CA", "k2h7a8"],
    ["75008", "FR", "75008"],
    ["1234-567", undefined, "1234567"],
  ])("%j in %s → %j", (raw, country, expected) => expect(normalizeZip(raw, country)).toBe(expected));

  it("drops US values that do not start with five digits", () => {
    expect(normalizeZip("9403", "US")).toBeUndefined();
    expect(normalizeZip("ABCDE", "US")).toBeUndefined();
    expect(normalizeZip(" - ", "US")).toBeUndefined();
  });
});

describe("normalizeCountry", () => {
  it.each([
    ["US", "us"],
    [" us ", "us"],
    ["United States of America", "us"],
    ["USA", "us"],
    ["UK", "gb"],
    ["United Kingdom", "gb"],
    ["Canada", "ca"],
    ["DE", "de"],
    ["Deutschland", "de"],
  ])("%j → %j", (raw, expected) => expect(normalizeCountry(raw)).toBe(expected));

  it.each([["Atlantis"], ["U"], ["123"], [""], [null]])("rejects %j", (raw) => expect(normalizeCountry(raw)).toBeUndefined());
});

describe("normalizeExternalId", () => {
  it("only trims", () => {
    expect(normalizeExternalId(" 115310627314723954 ")).toBe("115310627314723954");
    expect(normalizeExternalId("AbC-1")).toBe("AbC-1");
    expect(normalizeExternalId(42)).toBe("42");
    expect(normalizeExternalId(115310627314723954n)).toBe("115310627314723954");
  });

  it("drops empty and rounded values", () => {
    expect(normalizeExternalId("  ")).toBeUndefined();
    expect(normalizeExternalId(2 ** 60)).toBeUndefined();
    expect(normalizeExternalId(null)).toBeUndefined();
  });
});

describe("hashUserField", () => {
  it("never hashes twice", () => {
    expect(hashUserField(META.mary)).toBe(META.mary);
    expect(hashUserField(hashUserField("mary"))).toBe(META.mary);
  });

  it("hashes a 64-character value that is not lowercase hex", () => {
    const upper = META.mary.toUpperCase();
    expect(hashUserField(upper)).not.toBe(upper);
    expect(hashUserField(upper)).toMatch(/^[0-9a-f]{64}$/);
  });

  it("keeps absence absent", () => {
    expect(hashUserField(undefined)).toBeUndefined();
    expect(hashUserField("")).toBeUndefined();
  });
});

// Small property check with a seeded PRNG, so a failure reproduces.
describe("normalisers on random input", () => {
  function mulberry32(seed: number) {
    let a = seed >>> 0;
    return () => {
      a = (a + 0x6d2b79f5) >>> 0;
      let t = a;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
  }

  // ASCII-heavy, with Latin-1, combining marks, Hangul, CJK, emoji (astral) and lone surrogates.
  const RANGES: Array<[number, number]> = [
    [0x20, 0x7e],
    [0x20, 0x7e],
    [0x30, 0x39],
    [0x00, 0x1f],
    [0xa0, 0xff],
    [0x300, 0x36f],
    [0xac00, 0xd7a3],
    [0x4e00, 0x9fff],
    [0x1f300, 0x1faff],
    [0xd800, 0xdfff],
    [0x2000, 0x206f],
  ];

  function randomString(rand: () => number): string {
    const length = Math.floor(rand() * 40);
    let s = "";
    for (let i = 0; i < length; i += 1) {
      const [lo, hi] = RANGES[Math.floor(rand() * RANGES.length)];
      s += String.fromCodePoint(lo + Math.floor(rand() * (hi - lo + 1)));
    }
    return s;
  }

  const rand = mulberry32(0x5eed);
  const inputs = Array.from({ length: 400 }, () => randomString(rand));
  const countries = [undefined, "US", "CA", "GB", "FR", "JP", "ZZ", "", "United States"];

  it("never throw, and return undefined or a non-empty string", () => {
    for (const [i, raw] of inputs.entries()) {
      const country = countries[i % countries.length];
      const results = [
        normalizeEmail(raw),
        normalizePhone(raw, country),
        normalizeName(raw),
        normalizeCity(raw),
        normalizeState(raw, country),
        normalizeZip(raw, country),
        normalizeCountry(raw),
        normalizeExternalId(raw),
      ];
      for (const r of results) {
        if (r !== undefined) expect(typeof r === "string" && r.length > 0).toBe(true);
        expect(() => hashUserField(r)).not.toThrow();
      }
    }
  });

  it("leave no whitespace or punctuation in name, city, state and zip, and are idempotent", () => {
    for (const [i, raw] of inputs.entries()) {
      const country = countries[i % countries.length];
      for (const normalize of [
        normalizeName,
        normalizeCity,
        (s: string) => normalizeState(s, country),
        (s: string) => normalizeZip(s, country),
      ]) {
        const once = normalize(raw);
        if (once === undefined) continue;
        expect(once).toMatch(/^[\p{L}\p{M}\p{N}]+$/u);
        expect(normalize(once)).toBe(once);
      }
      const email = normalizeEmail(raw);
      if (email !== undefined) expect(normalizeEmail(email)).toBe(email);
    }
  });

  it("produce phone numbers of digits only, starting with a country code", () => {
    const rand2 = mulberry32(42);
    for (let i = 0; i < 300; i += 1) {
      const digits = Array.from({ length: 6 + Math.floor(rand2() * 10) }, () => Math.floor(rand2() * 10)).join("");
      const prefix = ["", "+", "00", "(", "0"][i % 5];
      const out = normalizePhone(`${prefix}${digits}`, countries[i % countries.length]);
      if (out !== undefined) expect(out).toMatch(/^[1-9]\d{6,14}$/);
    }
  });
});
