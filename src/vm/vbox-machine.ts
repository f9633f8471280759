// VirtualBox's own description of the VM inside the OVF (<vbox:Machine ovf:required="false">), the only way
// an OVA can ask VirtualBox for EFI firmware: a plain OVF import makes a BIOS VM. VirtualBox's importer
// (ApplianceImplImport) reads this machine configuration instead of guessing from the OVF items, matching
// each attached <Image uuid="{…}"> to the OVF Disk whose vbox:uuid is the same UUID (without braces); other
// importers skip the element. The hardware repeats the OVF items (CPUs, memory, one E1000 on NAT, the disk
// on an AHCI controller) plus a serial port for console=ttyS0. No MAC address: VirtualBox draws one on import.
// Settings format 1.16 (VirtualBox 5.1 and later; VirtualBox 7 reads it too). Pure: same input, same bytes.
import { xmlEscape } from "./xml.js";

/** What the machine configuration holds. */
export interface VboxMachineInput {
  readonly name: string;
  /** VirtualBox guest OS type id. */
  readonly osType: string;
  readonly machineUuid: string;
  /** The UUID the OVF Disk carries as vbox:uuid. */
  readonly diskUuid: string;
  readonly cpus: number;
  readonly memoryMiB: number;
}

/** VirtualBox's settings-file format version the element is written in. */
export const VBOX_SETTINGS_VERSION = "1.16-linux";
/** The first serial port (COM1): I/O base and IRQ as VirtualBox writes them. */
export const COM1 = { ioBase: "0x3f8", irq: 4 } as const;
/** VirtualBox's name for the Intel PRO/1000 MT Desktop NIC, what the OVF's "E1000" maps to and qemu's e1000 is. */
export const VBOX_E1000 = "82540EM";

/** The <vbox:Machine> element, indented for its place under <VirtualSystem>. */
export function vboxMachineXml(o: VboxMachineInput): string[] {
  const x = (s: string | number) => xmlEscape(String(s));
  return [
    `    <vbox:Machine ovf:required="false" version="${VBOX_SETTINGS_VERSION}" uuid="{${x(o.machineUuid)}}" name="${x(o.name)}" OSType="${x(o.osType)}" snapshotFolder="Snapshots">`,
    // VMware's reader wants an ovf:Info in every section-like element, even one it ignores.
    "      <ovf:Info>Complete VirtualBox machine configuration in VirtualBox format</ovf:Info>",
    "      <Hardware>",
    `        <CPU count="${x(o.cpus)}">`,
    '          <PAE enabled="true"/>',
    '          <LongMode enabled="true"/>',
    "        </CPU>",
    `        <Memory RAMSize="${x(o.memoryMiB)}"/>`,
    // The disk is UEFI first: systemd-boot as EFI/BOOT/BOOTX64.EFI (its BIOS fallback is for hand-made VMs).
    '        <Firmware type="EFI"/>',
    "        <Boot>",
    '          <Order position="1" device="HardDisk"/>',
    '          <Order position="2" device="None"/>',
    '          <Order position="3" device="None"/>',
    '          <Order position="4" device="None"/>',
    "        </Boot>",
    // More than one CPU needs the I/O APIC (the element is named BIOS but holds the EFI VM's settings too).
    "        <BIOS>",
    '          <IOAPIC enabled="true"/>',
    "        </BIOS>",
    "        <Network>",
    `          <Adapter slot="0" enabled="true" cable="true" type="${VBOX_E1000}">`,
    "            <NAT/>",
    "          </Adapter>",
    "        </Network>",
    // Disconnected: the guest has its ttyS0; the user points it at a file or pipe (README: VirtualBox).
    "        <UART>",
    `          <Port slot="0" enabled="true" IOBase="${COM1.ioBase}" IRQ="${COM1.irq}" hostMode="Disconnected"/>`,
    "        </UART>",
    // Linux keeps the hardware clock in UTC.
    '        <RTC localOrUTC="UTC"/>',
    "        <StorageControllers>",
    '          <StorageController name="SATA" type="AHCI" PortCount="1" useHostIOCache="false" Bootable="true">',
    '            <AttachedDevice type="HardDisk" hotpluggable="false" port="0" device="0">',
    `              <Image uuid="{${x(o.diskUuid)}}"/>`,
    "            </AttachedDevice>",
    "          </StorageController>",
    "        </StorageControllers>",
    "      </Hardware>",
    "    </vbox:Machine>",
  ];
}
