import { describe, expect, it } from "vitest";
import { field, parseDeb822, stripClearsign } from "../../../../src/debian/deb822.js";
import { flatRelease, parseReleaseDate } from "../../../../src/sources/apt/release.js";

const IN_RELEASE = `-----BEGIN PGP SIGNED MESSAGE-----
Hash: SHA512

Origin: Debian
Label: Debian
Suite: stable
Codename: bookworm
Date: Sat, 10 Jun 2023 08:52:56 UTC
Description: Debian 12.0 Released 10 June 2023
SHA256:
 0ed6d4c8891eb86358b94bb35d9e4da4 1484322 contrib/Contents-all
-----BEGIN PGP SIGNATURE-----

iQIzBAEBCgAdFiEE
-----END PGP SIGNATURE-----
`;

describe("parseDeb822", () => {
  it("reads stanzas, joins continuation lines and skips comments", () => {
    const s = parseDeb822("# c\nPackage: a\nDescription: short\n long line\n .\n\n\nPackage: b\nversion: 1\n");
    expect(s).toHaveLength(2);
    expect(s[0]?.get("Description")).toBe("short\nlong line\n.");
    expect(field(s[1]!, "Version")).toBe("1");
  });

  it("strips a clear-signature wrapper", () => {
    const t = stripClearsign(IN_RELEASE);
    expect(t.startsWith("Origin: Debian")).toBe(true);
    expect(t).not.toContain("PGP");
    expect(stripClearsign("Origin: x\n")).toBe("Origin: x\n");
  });
});

describe("Release files", () => {
  it("parses the Date of a signed InRelease as UTC seconds", () => {
    expect(parseReleaseDate(IN_RELEASE)).toBe(Date.UTC(2023, 5, 10, 8, 52, 56) / 1000);
    expect(parseReleaseDate("Origin: x\n")).toBeUndefined();
    expect(parseReleaseDate("Date: not a date\n")).toBeUndefined();
  });

  it("writes a flat repository Release naming the suite, with no date", () => {
    const r = flatRelease({ suite: "bookworm", architectures: ["amd64", "all"], packages: { size: 12, sha256: "ab".repeat(32) } });
    const s = parseDeb822(r)[0]!;
    expect(field(s, "Suite")).toBe("bookworm");
    expect(field(s, "Codename")).toBe("bookworm");
    expect(field(s, "Architectures")).toBe("amd64 all");
    expect(field(s, "SHA256")).toBe(`\n${"ab".repeat(32)} 12 Packages`);
    expect(field(s, "Date")).toBeUndefined();
  });
});
