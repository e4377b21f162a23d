// Meta's normalisation rules for user_data (meta-capi-reference.md §3), one function per key. Each returns the
// normalised, still unhashed value, or undefined when nothing usable remains: a key Meta cannot match is better
// left out than sent as the hash of garbage. None of them throws, whatever the input.
import { createHash } from "node:crypto";
import { isSupportedCountry, parsePhoneNumberFromString, type CountryCode } from "libphonenumber-js/min";

type Raw = string | null | undefined;

const NOT_LETTER_OR_NUMBER = /[^\p{L}\p{M}\p{N}]+/gu;
const SHA256_HEX = /^[0-9a-f]{64}$/;

function text(raw: unknown): string | undefined {
  return typeof raw === "string" ? raw : undefined;
}

// NFC first so "é" typed as e + U+0301 hashes like the precomposed form; again at the end because removing
// punctuation can bring a letter and a combining mark together. Marks (\p{M}) are kept: without them
// Devanagari or Thai names would be mangled.
function lettersAndDigits(raw: unknown): string | undefined {
  const s = text(raw);
  if (s === undefined) return undefined;
  const out = s.normalize("NFC").toLowerCase().normalize("NFC").replace(NOT_LETTER_OR_NUMBER, "").normalize("NFC");
  return out === "" ? undefined : out;
}

function countryCode(raw: unknown): string | undefined {
  return normalizeCountry(text(raw));
}

export function normalizeEmail(raw: Raw): string | undefined {
  const s = text(raw)?.trim().toLowerCase();
  if (!s || !/^[^\s@]+@[^\s@.]+(?:\.[^\s@.]+)+$/u.test(s)) return undefined;
  return s;
}

/**
 * Digits with the country calling code and no leading zeros, e.g. US `(650)555-1212` → `16505551212`.
 * The calling code comes from a `+`/`00` prefix when present, else from `countryIso2` (the address country).
 * Without either we return undefined rather than guess: `6505551212` hashes to a value Meta never matches.
 * The check is libphonenumber's length-based `isPossible()`, not `isValid()`: a real number the metadata does
 * not know yet still matches, while a made-up one only costs a hash that matches nothing.
 */
export function normalizePhone(raw: Raw, countryIso2?: Raw): string | undefined {
  const s = text(raw)?.trim();
  if (!s) return undefined;
  const cc = countryCode(countryIso2)?.toUpperCase();
  const region = cc && isSupportedCountry(cc) ? (cc as CountryCode) : undefined;
  // libphonenumber only reads 00 as an international prefix where 00 is the local IDD (not in the US).
  const international = s.replace(/^00/, "+");
  // Meta's own rule ("remove symbols and letters") as a second try, for inputs such as "650-555-12a12"
  // that libphonenumber gives up on.
  const digitsOnly = (international.startsWith("+") ? "+" : "") + international.replace(/\D/g, "");
  for (const candidate of [international, digitsOnly]) {
    try {
      const phone = parsePhoneNumberFromString(candidate, region);
      const e164 = phone?.isPossible() ? phone.number.replace(/^\+/, "") : undefined;
      // libphonenumber allows a few longer special numbers (E.164 stops at 15 digits) and some short ones
      // ("0100" in DE → 490100) that no subscriber has (the shortest real ones, with their country code,
      // have 7); a result that does not read back as itself would hash to a number nobody has. Drop them.
      if (e164 && e164.length >= 7 && e164.length <= 15 && readsBackAs(e164)) return e164;
    } catch {
      // Malformed input: try the next candidate.
    }
  }
  return undefined;
}

function readsBackAs(e164: string): boolean {
  const again = parsePhoneNumberFromString(`+${e164}`);
  return again?.number === `+${e164}` && again.isPossible();
}

/** fn / ln: lower case, no punctuation or spaces, letters of every script kept (`Valéry` → `valéry`, `정` → `정`). */
export function normalizeName(raw: Raw): string | undefined {
  return lettersAndDigits(raw);
}

/** `New York` → `newyork`. */
export function normalizeCity(raw: Raw): string | undefined {
  return lettersAndDigits(raw);
}

/**
 * US and Canada: the 2-letter code, from a code or a full name (`California` → `ca`).
 * Elsewhere Meta only asks for lower case without punctuation or spaces, so Shopify's province code
 * (e.g. `JP-13` → `jp13`) or name is passed through that.
 */
export function normalizeState(raw: Raw, countryIso2?: Raw): string | undefined {
  const compact = lettersAndDigits(raw);
  if (!compact) return undefined;
  const cc = countryCode(countryIso2);
  if (cc === undefined || cc === "us" || cc === "ca") {
    // The ISO 3166-2 spelling ("US-CA") is accepted too.
    const code = cc && compact.length === 4 && compact.startsWith(cc) ? compact.slice(2) : compact;
    if (code.length === 2) return code;
    const byName = (cc === "ca" ? undefined : US_STATES.get(compact)) ?? (cc === "us" ? undefined : CA_PROVINCES.get(compact));
    if (byName) return byName;
  }
  return compact;
}

/** Lower case, letters and digits only; US: the first 5 digits (`94035-1234` → `94035`). */
export function normalizeZip(raw: Raw, countryIso2?: Raw): string | undefined {
  const compact = lettersAndDigits(raw);
  if (!compact) return undefined;
  if (countryCode(countryIso2) === "us") {
    return /^\d{5}/.test(compact) ? compact.slice(0, 5) : undefined;
  }
  return compact;
}

/** ISO 3166-1 alpha-2 in lower case; a few common names and alpha-3 codes are accepted for robustness. */
export function normalizeCountry(raw: Raw): string | undefined {
  const compact = lettersAndDigits(raw);
  if (!compact) return undefined;
  const named = COUNTRY_NAMES.get(compact);
  if (named) return named;
  return /^[a-z]{2}$/.test(compact) ? compact : undefined;
}

/** The Shopify customer ID as digits: only trimmed, so the browser side can produce the same bytes. */
export function normalizeExternalId(raw: Raw | number | bigint): string | undefined {
  let s: string | undefined;
  if (typeof raw === "number") s = Number.isSafeInteger(raw) ? String(raw) : undefined;
  else if (typeof raw === "bigint") s = raw.toString();
  else s = text(raw)?.trim();
  return s || undefined;
}

export function sha256Hex(s: string): string {
  return createHash("sha256").update(s, "utf8").digest("hex");
}

/** SHA-256 of a normalised value; one that already is lowercase SHA-256 hex passes through (never hashed twice). */
export function hashUserField(value: string): string;
export function hashUserField(value: string | undefined): string | undefined;
export function hashUserField(value: string | undefined): string | undefined {
  if (value === undefined || value === "") return undefined;
  return SHA256_HEX.test(value) ? value : sha256Hex(value);
}

// Maps, not object literals: a lookup of "constructor" must not find Object.prototype.constructor.
const US_STATES = new Map(
  Object.entries({
    alabama: "al",
    alaska: "ak",
    arizona: "az",
    arkansas: "ar",
    california: "ca",
    colorado: "co",
    connecticut: "ct",
    delaware: "de",
    districtofcolumbia: "dc",
    washingtondc: "dc",
    florida: "fl",
    georgia: "ga",
    hawaii: "hi",
    idaho: "id",
    illinois: "il",
    indiana: "in",
    iowa: "ia",
    kansas: "ks",
    kentucky: "ky",
    louisiana: "la",
    maine: "me",
    maryland: "md",
    massachusetts: "ma",
    michigan: "mi",
    minnesota: "mn",
    mississippi: "ms",
    missouri: "mo",
    montana: "mt",
    nebraska: "ne",
    nevada: "nv",
    newhampshire: "nh",
    newjersey: "nj",
    newmexico: "nm",
    newyork: "ny",
    northcarolina: "nc",
    northdakota: "nd",
    ohio: "oh",
    oklahoma: "ok",
    oregon: "or",
    pennsylvania: "pa",
    rhodeisland: "ri",
    southcarolina: "sc",
    southdakota: "sd",
    tennessee: "tn",
    texas: "tx",
    utah: "ut",
    vermont: "vt",
    virginia: "va",
    washington: "wa",
    westvirginia: "wv",
    wisconsin: "wi",
    wyoming: "wy",
    americansamoa: "as",
    guam: "gu",
    northernmarianaislands: "mp",
    puertorico: "pr",
    usvirginislands: "vi",
    virginislands: "vi",
    armedforcesamericas: "aa",
    armedforceseurope: "ae",
    armedforcespacific: "ap",
  }),
);

const CA_PROVINCES = new Map(
  Object.entries({
    alberta: "ab",
    britishcolumbia: "bc",
    colombiebritannique: "bc",
    manitoba: "mb",
    newbrunswick: "nb",
    nouveaubrunswick: "nb",
    newfoundlandandlabrador: "nl",
    newfoundland: "nl",
    terreneuveetlabrador: "nl",
    novascotia: "ns",
    nouvelleécosse: "ns",
    nouvelleecosse: "ns",
    northwestterritories: "nt",
    territoiresdunordouest: "nt",
    nunavut: "nu",
    ontario: "on",
    princeedwardisland: "pe",
    îleduprinceédouard: "pe",
    ileduprinceedouard: "pe",
    quebec: "qc",
    québec: "qc",
    saskatchewan: "sk",
    yukon: "yt",
  }),
);

const COUNTRY_NAMES = new Map(
  Object.entries({
    unitedstates: "us",
    unitedstatesofamerica: "us",
    usa: "us",
    canada: "ca",
    can: "ca",
    mexico: "mx",
    méxico: "mx",
    mex: "mx",
    unitedkingdom: "gb",
    greatbritain: "gb",
    uk: "gb",
    gbr: "gb",
    england: "gb",
    scotland: "gb",
    wales: "gb",
    northernireland: "gb",
    ireland: "ie",
    germany: "de",
    deutschland: "de",
    deu: "de",
    france: "fr",
    fra: "fr",
    spain: "es",
    españa: "es",
    italy: "it",
    italia: "it",
    netherlands: "nl",
    thenetherlands: "nl",
    belgium: "be",
    switzerland: "ch",
    austria: "at",
    sweden: "se",
    norway: "no",
    denmark: "dk",
    finland: "fi",
    portugal: "pt",
    poland: "pl",
    australia: "au",
    aus: "au",
    newzealand: "nz",
    japan: "jp",
    china: "cn",
    india: "in",
    brazil: "br",
    brasil: "br",
    southafrica: "za",
    singapore: "sg",
    southkorea: "kr",
    republicofkorea: "kr",
    unitedarabemirates: "ae",
  }),
);
