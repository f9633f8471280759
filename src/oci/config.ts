// The OCI image config of a kiln image: one layer whose diff_id is the image id (the sha256 of the
// uncompressed tar), `created` from the manifest's SOURCE_DATE_EPOCH, nothing from the host.
import type { Manifest } from "../store/types.js";

/** An OCI platform: architecture (GOARCH spelling) and optional variant. */
export interface Platform {
  readonly architecture: string;
  readonly os: "linux";
  readonly variant?: string;
}

/** Debian architecture → OCI platform (GOARCH names). */
const PLATFORMS: Readonly<Record<string, { readonly architecture: string; readonly variant?: string }>> = {
  amd64: { architecture: "amd64" },
  arm64: { architecture: "arm64", variant: "v8" },
  armhf: { architecture: "arm", variant: "v7" },
  armel: { architecture: "arm", variant: "v5" },
  i386: { architecture: "386" },
  ppc64el: { architecture: "ppc64le" },
  s390x: { architecture: "s390x" },
  riscv64: { architecture: "riscv64" },
};

/** The OCI platform of a Debian architecture (unknown ones keep their Debian name). */
export function platformOf(debArch: string): Platform {
  const p = PLATFORMS[debArch] ?? { architecture: debArch };
  return { os: "linux", ...p };
}

/** RFC 3339 time of a SOURCE_DATE_EPOCH (never the clock). */
export function createdOf(m: Manifest): string {
  return new Date(m.sourceDateEpoch * 1000).toISOString().replace(".000Z", "Z");
}

/** The image config object (serialized by the caller as canonical JSON). */
export function imageConfig(m: Manifest): Record<string, unknown> {
  const created = createdOf(m);
  return {
    ...platformOf(m.arch),
    created,
    // Proxmox VE 9.1 makes an OCI image's StopSignal the container's lxc.signal.halt (SIGTERM when unset,
    // which systemd as PID 1 takes as "re-execute", so pct shutdown would wait for its timeout): systemd's halt.
    config: {
      Cmd: ["/sbin/init"],
      StopSignal: "SIGRTMIN+3",
      Labels: { "org.opencontainers.image.title": m.name, "org.opencontainers.image.version": m.version },
    },
    rootfs: { type: "layers", diff_ids: [m.image] },
    history: [{ created, created_by: `kiln ${m.origin} ${m.name} ${m.version}` }],
  };
}
