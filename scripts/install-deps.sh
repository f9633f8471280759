#!/usr/bin/env bash
# Installs the Debian tools kiln's integration tests and demo use, only those missing.
# Idempotent: a machine that has them all does nothing (no apt-get update, no network).
set -euo pipefail
# tool-on-PATH → Debian package that provides it
declare -A need=(
  [mmdebstrap]=mmdebstrap
  [bsdtar]=libarchive-tools
  [zstd]=zstd
  [git]=git
  [svn]=subversion
  [svnadmin]=subversion
  [lxc-create]=lxc
  [faketime]=faketime
  [dpkg-scanpackages]=dpkg-dev
  [apt-ftparchive]=apt-utils
  [getfattr]=attr
  [setcap]=libcap2-bin
  [unshare]=util-linux
  [qemu-img]=qemu-utils
  [qemu-system-x86_64]=qemu-system-x86
  [mkfs.vfat]=dosfstools
  [mke2fs]=e2fsprogs
  [sfdisk]=fdisk
  [xmllint]=libxml2-utils
  [mcopy]=mtools
  [syslinux]=syslinux
  [sshd]=openssh-server
  [ssh]=openssh-client
  [ip]=iproute2
  [skopeo]=skopeo
  [umoci]=umoci
  [docker-registry]=docker-registry
  [htpasswd]=apache2-utils
)
missing=()
for tool in "${!need[@]}"; do
  command -v "$tool" >/dev/null 2>&1 || [ -x "/usr/sbin/$tool" ] || missing+=("${need[$tool]}")
done
# Python's reference implementation of PEP 440/508, used by the agreement tests; pip and venv for the
# fixture and index tests (the host python3, not the image's).
/usr/bin/python3 -c 'import packaging' 2>/dev/null || missing+=(python3-packaging)
/usr/bin/python3 -c 'import pip' 2>/dev/null || missing+=(python3-pip)
/usr/bin/python3 -c 'import ensurepip' 2>/dev/null || missing+=(python3-venv)
/usr/bin/python3 -c 'import apt_pkg' 2>/dev/null || missing+=(python3-apt)
# syslinux's MBR boot code for the VM's BIOS fallback (syslinux itself does not depend on it).
[ -f /usr/lib/syslinux/mbr/gptmbr.bin ] || missing+=(syslinux-common)
[ -f /usr/share/seabios/bios-256k.bin ] || missing+=(seabios)
[ -f /usr/share/OVMF/OVMF_CODE.fd ] || [ -f /usr/share/OVMF/OVMF_CODE_4M.fd ] || missing+=(ovmf)
if [ ${#missing[@]} -gt 0 ]; then
  mapfile -t uniq < <(printf '%s\n' "${missing[@]}" | sort -u)
  echo "install-deps: installing ${uniq[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${uniq[@]}" >/dev/null
fi
