// ssh-keygen argv: every value is its own argument, the namespace is always kiln-image.
import { describe, expect, it } from "vitest";
import {
  SIGN_NAMESPACE,
  sshCheckNovalidateArgv,
  sshFindPrincipalsArgv,
  sshFingerprintArgv,
  sshSignArgv,
  sshVerifyArgv,
} from "../../../../src/exec/argv/ssh-keygen.js";

describe("ssh-keygen argv", () => {
  it("signs stdin under the kiln-image namespace", () => {
    expect(SIGN_NAMESPACE).toBe("kiln-image");
    expect(sshSignArgv("/k/ci key")).toEqual(["ssh-keygen", "-Y", "sign", "-f", "/k/ci key", "-n", "kiln-image"]);
  });

  it("verifies one principal against allowed_signers", () => {
    expect(sshVerifyArgv({ allowedSigners: "/a s", principal: "ci@example.org", sig: "/x/manifest.ci.sig" })).toEqual([
      "ssh-keygen",
      "-Y",
      "verify",
      "-f",
      "/a s",
      "-I",
      "ci@example.org",
      "-n",
      "kiln-image",
      "-s",
      "/x/manifest.ci.sig",
    ]);
  });

  it("finds principals, checks without allowed_signers, and fingerprints", () => {
    expect(sshFindPrincipalsArgv({ allowedSigners: "/a", sig: "/s" })).toEqual(["ssh-keygen", "-Y", "find-principals", "-f", "/a", "-s", "/s"]);
    expect(sshCheckNovalidateArgv("/s; rm -rf /")).toEqual(["ssh-keygen", "-Y", "check-novalidate", "-n", "kiln-image", "-s", "/s; rm -rf /"]);
    expect(sshFingerprintArgv("-k")).toEqual(["ssh-keygen", "-l", "-E", "sha256", "-f", "-k"]);
  });
});
