// The recipe schema, described once as data. The loader (check/merge/build), the reference docs
// (docs/recipe.md) and the JSON schema (docs/recipe.schema.json) are all derived from these tables;
// spec.ts says what a field and a section can say, kinds.ts what each kind of value means.
import type { FieldSpec, SectionSpec } from "./spec.js";

/** Keys at the top of a recipe, outside any table. */
export const TOP_FIELDS: readonly FieldSpec[] = [
  {
    key: "extends",
    kind: "relative-path",
    format: "toml-file",
    mustExist: true,
    description:
      "Another recipe this one builds on, relative to this file. Its settings are loaded first; this file's values override its scalars and are appended to its lists (see *extends* above). Chains may nest; cycles are refused.",
    example: '"cam-node.toml"',
  },
];

export const SECTIONS: readonly SectionSpec[] = [
  {
    key: "image",
    kind: "table",
    required: true,
    description: "What the template is called. The store names it `<ostype>-<name>_<version>_<arch>.tar.zst`, Proxmox's template naming.",
    fields: [
      { key: "name", kind: "string", format: "image-name", required: true, description: "Template name.", example: '"cam-node"' },
      {
        key: "version",
        kind: "semver",
        required: true,
        description: "Version of this release candidate (semantic versioning, no leading `v`).",
        example: '"1.4.0"',
      },
      {
        key: "arch",
        kind: "enum",
        values: ["amd64", "arm64", "armel", "armhf", "i386", "mips64el", "ppc64el", "riscv64", "s390x"],
        default: "amd64",
        description: "Debian architecture of the image.",
        example: '"amd64"',
      },
      {
        key: "ostype",
        kind: "enum",
        values: ["debian", "ubuntu", "centos", "fedora", "opensuse", "archlinux", "alpine", "gentoo", "nixos", "devuan", "unmanaged"],
        default: "debian",
        description: "Proxmox ostype: the first part of the template name and how Proxmox sets the container up.",
        example: '"debian"',
      },
    ],
  },
  {
    key: "base",
    kind: "table",
    required: true,
    description: "The Debian system mmdebstrap bootstraps, before any layer is added.",
    fields: [
      { key: "suite", kind: "string", format: "suite", required: true, description: "Debian suite or codename.", example: '"bookworm"' },
      {
        key: "variant",
        kind: "enum",
        values: ["minbase", "apt", "required", "important", "standard"],
        default: "minbase",
        description: "mmdebstrap variant: which priority of packages the bootstrap installs.",
        example: '"minbase"',
      },
      {
        key: "mirror",
        kind: "string",
        format: "mirror",
        default: "host",
        description:
          '"host": the build host\'s own apt sources and keyrings; otherwise the mirror URL `kiln lock` resolves against (and `kiln fetch` downloads from).',
        example: '"host"',
      },
      {
        key: "components",
        kind: "string-array",
        format: "component",
        nonEmpty: true,
        default: ["main"],
        description: "Archive components.",
        example: '["main"]',
      },
      {
        key: "include",
        kind: "string-array",
        format: "package",
        append: { key: "value" },
        default: [],
        description: "Extra packages the bootstrap itself installs (what must be there before the apt layer, e.g. systemd-sysv).",
        example: '["systemd-sysv", "ifupdown"]',
      },
    ],
  },
  {
    key: "apt",
    kind: "table",
    description: "Packages installed by the apt layer, from the locked local mirror.",
    fields: [
      {
        key: "packages",
        kind: "string-array",
        format: "apt-package",
        append: { key: "package-name" },
        default: [],
        description:
          "`name` (the version `kiln lock` finds, then locked) or `name=version` (that exact Debian version). A child's entry for a package replaces the parent's.",
        example: '["openssh-server", "python3-venv"]',
      },
    ],
  },
  {
    key: "python",
    kind: "table",
    optional: true,
    description: "A Python virtual environment filled from pinned requirements (pip-compile output), offline, hashes required.",
    fields: [
      { key: "venv", kind: "abs-path-in-image", required: true, description: "Where the venv is created in the image.", example: '"/opt/kat/venv"' },
      {
        key: "requirements",
        kind: "relative-path",
        description:
          "Pinned requirements file, relative to the recipe that names it. `--requirements` overrides it. Its existence is checked by `kiln validate` and `kiln bake`, not when the recipe is read.",
        example: '"../fixtures/python/pinned.txt"',
      },
      {
        key: "empty",
        kind: "bool",
        description:
          '`true`: the venv is meant to have no pinned packages (e.g. only `install = "pip"` checkouts), so no requirements file, or one that pins nothing, is accepted. Without it, a venv with nothing pinned is refused: it is almost always a wrong or truncated requirements file.',
        example: "false",
      },
    ],
  },
  {
    key: "checkout",
    prop: "checkouts",
    kind: "array-of-tables",
    identity: "name",
    description: "Source trees from git or SVN, exported at the revision the lock records.",
    fields: [
      {
        key: "name",
        kind: "string",
        format: "checkout-name",
        required: true,
        description: "Unique name of the checkout. A child's checkout with the same name replaces the parent's.",
        example: '"katpkg"',
      },
      { key: "kind", kind: "enum", values: ["git", "svn"], required: true, description: "Version control system.", example: '"svn"' },
      {
        key: "url",
        kind: "string",
        format: "vcs-url",
        required: true,
        description:
          "Repository URL. `file:` followed by a path without `//` is relative to the recipe that names it (kiln resolves it to an absolute `file://` URL). URLs with a password are refused.",
        example: '"file:../fixtures/build/svn/katpkg/trunk"',
      },
      {
        key: "rev",
        kind: "string",
        format: "vcs-rev",
        default: "HEAD",
        description:
          "What to check out; `kiln lock` resolves it to an exact commit (git) or revision number (svn) and locks it. For svn: `HEAD` or a revision number.",
        example: '"HEAD"',
      },
      { key: "dest", kind: "abs-path-in-image", required: true, description: "Where the tree is placed in the image.", example: '"/opt/kat/src/katpkg"' },
      {
        key: "install",
        kind: "enum",
        values: ["none", "pip"],
        default: "none",
        description: '"pip": build the tree and install it into the venv (needs `[python]`); "none": only place it.',
        example: '"pip"',
      },
    ],
    rules: [{ when: { key: "kind", equals: "svn" }, field: "rev", pattern: "^(HEAD|[0-9]+)$", what: '"HEAD" or a revision number (svn)' }],
  },
  {
    key: "file",
    prop: "files",
    kind: "array-of-tables",
    identity: "dest",
    description: "Files copied from the project into the image (after checkouts, so a file may overlay one).",
    fields: [
      {
        key: "src",
        kind: "project-file",
        required: true,
        description:
          "Source file, relative to the recipe that names it. It must be a regular file inside that recipe's directory: a path leading out of it (`..`, or a symlink in any component) is refused, when the recipe is loaded and again when the bake copies it.",
        example: '"files/devsim.service"',
      },
      {
        key: "dest",
        kind: "abs-path-in-image",
        required: true,
        description: "Destination in the image. A child's file with the same dest replaces the parent's.",
        example: '"/etc/systemd/system/devsim.service"',
      },
      { key: "mode", kind: "octal-mode", default: "0644", description: "Permissions as a quoted octal string.", example: '"0644"' },
      { key: "owner", kind: "owner", default: "0:0", description: "Numeric `uid:gid`.", example: '"0:0"' },
    ],
  },
  {
    key: "services",
    kind: "table",
    description: "systemd units enabled or disabled in the image (a unit may not be in both lists).",
    fields: [
      {
        key: "enable",
        kind: "string-array",
        format: "unit",
        append: { key: "value" },
        default: [],
        description: "Units to enable.",
        example: '["devsim.service", "ssh.service"]',
      },
      {
        key: "disable",
        kind: "string-array",
        format: "unit",
        append: { key: "value" },
        default: [],
        description: "Units to disable.",
        example: '["apt-daily.timer"]',
      },
    ],
  },
  {
    key: "run",
    kind: "array-of-tables",
    description:
      "Commands run inside the image (pivoted into its root, in private mount, PID and network namespaces: no network), in order, after files and services.",
    fields: [
      {
        key: "argv",
        kind: "argv-array",
        required: true,
        description: "The command; no shell unless argv names one.",
        example: '["systemctl", "set-default", "multi-user.target"]',
      },
    ],
  },
  {
    key: "verify",
    kind: "table",
    description: "Checks run later (`kiln verify`, deploy health gates) in a booted container.",
    fields: [
      {
        key: "commands",
        kind: "argv-list",
        append: {},
        default: [],
        description: "Commands that must each exit 0.",
        example: '[["systemctl", "is-active", "devsim.service"]]',
      },
      {
        key: "allow_degraded",
        prop: "allowDegraded",
        kind: "string-array",
        format: "unit",
        append: { key: "value" },
        default: [],
        description: "Units that may be failed without failing verification.",
        example: '["systemd-networkd-wait-online.service"]',
      },
      { key: "timeout", kind: "int", min: 1, max: 3600, default: 120, description: "Seconds to wait for systemd to settle.", example: "120" },
    ],
  },
];

/** Every key allowed at the top of a recipe. */
export const TOP_KEYS: readonly string[] = [...TOP_FIELDS.map((f) => f.key), ...SECTIONS.map((s) => s.key)];
