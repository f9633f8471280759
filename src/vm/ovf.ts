// The OVF 1.0 descriptor (DMTF DSP0243) of the OVA: one VirtualSystem with its CPUs, memory, a SATA (AHCI)
// controller holding the streamOptimized VMDK, one E1000 NIC on a network named "NAT" and an optional serial
// port. It carries exactly what VirtualBox's OVF reader requires: References/File with href and size,
// DiskSection/Disk with diskId, fileRef, capacity and format, and hardware Items with InstanceIDs, the disk's
// Parent pointing at its controller and HostResource "ovf:/disk/<diskId>". rasd elements are written in the
// CIM schema's (alphabetical) order so a validating reader accepts them. Both importers get what they need:
// - VirtualBox: a <vbox:Machine> (vbox-machine.ts) with EFI firmware and a serial port, tied to the Disk by
//   vbox:uuid; the family list names "virtualbox-2.2", so VirtualBox maps the E1000 to its own 82540EM.
// - VMware: a vmx family in the same list, vmw:Config firmware=efi, and the SATA controller's subtype
//   "vmware.sata.ahci", which VirtualBox's reader maps to AHCI as well.
// Pure: the same input gives the same bytes.
import { vboxMachineXml } from "./vbox-machine.js";
import { xmlEscape } from "./xml.js";

export { xmlEscape } from "./xml.js";

/** What the descriptor describes. */
export interface OvfInput {
  /** VM name (VirtualSystem id and Name). */
  readonly name: string;
  /** Free text shown by importers (image id, how to boot). */
  readonly annotation: string;
  readonly cpus: number;
  readonly memoryMiB: number;
  /** The VMDK's file name inside the OVA and its size in bytes. */
  readonly diskFile: string;
  readonly diskFileBytes: number;
  /** The virtual disk's capacity in bytes (the raw disk's size). */
  readonly capacityBytes: number;
  /** UUIDs of VirtualBox's machine and of the disk (derived from the image id: the OVA stays reproducible). */
  readonly machineUuid: string;
  readonly diskUuid: string;
}

export const OVF_NS = "http://schemas.dmtf.org/ovf/envelope/1";
export const RASD_NS = "http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/CIM_ResourceAllocationSettingData";
export const VSSD_NS = "http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/CIM_VirtualSystemSettingData";
export const VBOX_NS = "http://www.virtualbox.org/ovf/machine";
export const VMW_NS = "http://www.vmware.com/schema/ovf";
/**
 * The virtual hardware families, space-separated: vmx-13 (ESXi 6.5, Workstation 14 and later) for VMware,
 * which refuses a list without a family it knows; virtualbox-2.2 for VirtualBox, which looks for "virtualbox".
 */
export const SYSTEM_TYPES = "vmx-13 virtualbox-2.2";
/** The SATA controller's subtype: VMware's name, which VirtualBox's reader also maps to AHCI. */
export const SATA_SUBTYPE = "vmware.sata.ahci";
export const STREAM_OPTIMIZED = "http://www.vmware.com/interfaces/specifications/vmdk.html#streamOptimized";
/** CIM operating system id 96: "Debian 64-Bit". */
export const CIM_OS_DEBIAN_64 = 96;
/** VirtualBox's guest type for the same. */
export const VBOX_OS_TYPE = "Debian_64";
/** CIM resource types of the hardware items (DSP0243 / CIM_ResourceAllocationSettingData). */
export const RESOURCE = { cpu: 3, memory: 4, ethernet: 10, disk: 17, otherStorage: 20, serial: 21 } as const;

const DISK_ID = "vmdisk1";
const FILE_ID = "file1";
const NETWORK = "NAT";

/** One hardware Item; `fields` are rasd element names → values, written sorted by name (the schema order). An optional Item may be dropped by an importer that lacks the device. */
function item(fields: Readonly<Record<string, string | number>>, optional = false): string {
  const body = Object.keys(fields)
    .sort()
    .map((k) => `        <rasd:${k}>${xmlEscape(String(fields[k]))}</rasd:${k}>`);
  return [optional ? '      <Item ovf:required="false">' : "      <Item>", ...body, "      </Item>"].join("\n");
}

/** The hardware items: CPU, memory, SATA controller, the disk on it, the NIC and the serial port. InstanceIDs 1–6. */
function hardwareItems(o: OvfInput): string[] {
  return [
    item({
      Caption: `${o.cpus} virtual CPU`,
      Description: "Number of virtual CPUs",
      ElementName: `${o.cpus} virtual CPU`,
      InstanceID: 1,
      ResourceType: RESOURCE.cpu,
      VirtualQuantity: o.cpus,
    }),
    item({
      AllocationUnits: "byte * 2^20",
      Caption: `${o.memoryMiB} MB of memory`,
      Description: "Memory Size",
      ElementName: `${o.memoryMiB} MB of memory`,
      InstanceID: 2,
      ResourceType: RESOURCE.memory,
      VirtualQuantity: o.memoryMiB,
    }),
    item({
      Address: 0,
      Caption: "sataController0",
      Description: "SATA Controller",
      ElementName: "sataController0",
      InstanceID: 3,
      ResourceSubType: SATA_SUBTYPE,
      ResourceType: RESOURCE.otherStorage,
    }),
    item({
      AddressOnParent: 0,
      Caption: "disk1",
      Description: "Disk Image",
      ElementName: "disk1",
      HostResource: `ovf:/disk/${DISK_ID}`,
      InstanceID: 4,
      Parent: 3,
      ResourceType: RESOURCE.disk,
    }),
    item({
      AutomaticAllocation: "true",
      Caption: `Ethernet adapter on '${NETWORK}'`,
      Connection: NETWORK,
      ElementName: `Ethernet adapter on '${NETWORK}'`,
      InstanceID: 5,
      ResourceSubType: "E1000",
      ResourceType: RESOURCE.ethernet,
    }),
    // The console (console=ttyS0). VirtualBox skips an optional item it does not know and takes the port from vbox:Machine.
    item(
      {
        AutomaticAllocation: "false",
        Caption: "serial0",
        Description: "Serial port (the kernel console)",
        ElementName: "serial0",
        InstanceID: 6,
        ResourceType: RESOURCE.serial,
      },
      true,
    ),
  ];
}

/** The complete descriptor. */
export function ovfXml(o: OvfInput): string {
  const name = xmlEscape(o.name);
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<Envelope ovf:version="1.0" xml:lang="en-US" xmlns="${OVF_NS}" xmlns:ovf="${OVF_NS}" xmlns:rasd="${RASD_NS}" xmlns:vssd="${VSSD_NS}" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:vbox="${VBOX_NS}" xmlns:vmw="${VMW_NS}">`,
    "  <References>",
    `    <File ovf:id="${FILE_ID}" ovf:href="${xmlEscape(o.diskFile)}" ovf:size="${o.diskFileBytes}"/>`,
    "  </References>",
    "  <DiskSection>",
    "    <Info>List of the virtual disks used in the package</Info>",
    `    <Disk ovf:capacity="${o.capacityBytes}" ovf:capacityAllocationUnits="byte" ovf:diskId="${DISK_ID}" ovf:fileRef="${FILE_ID}" ovf:format="${STREAM_OPTIMIZED}" vbox:uuid="${xmlEscape(o.diskUuid)}"/>`,
    "  </DiskSection>",
    "  <NetworkSection>",
    "    <Info>Logical networks used in the package</Info>",
    `    <Network ovf:name="${NETWORK}">`,
    "      <Description>NAT: the VM reaches out through the host; nothing reaches in unless a port is forwarded</Description>",
    "    </Network>",
    "  </NetworkSection>",
    `  <VirtualSystem ovf:id="${name}">`,
    "    <Info>A virtual machine</Info>",
    `    <Name>${name}</Name>`,
    "    <AnnotationSection>",
    "      <Info>A human-readable annotation</Info>",
    `      <Annotation>${xmlEscape(o.annotation)}</Annotation>`,
    "    </AnnotationSection>",
    `    <OperatingSystemSection ovf:id="${CIM_OS_DEBIAN_64}">`,
    "      <Info>The kind of installed guest operating system</Info>",
    `      <Description>${VBOX_OS_TYPE}</Description>`,
    `      <vbox:OSType ovf:required="false">${VBOX_OS_TYPE}</vbox:OSType>`,
    "    </OperatingSystemSection>",
    "    <VirtualHardwareSection>",
    "      <Info>Virtual hardware requirements for a virtual machine</Info>",
    "      <System>",
    "        <vssd:ElementName>Virtual Hardware Family</vssd:ElementName>",
    "        <vssd:InstanceID>0</vssd:InstanceID>",
    `        <vssd:VirtualSystemIdentifier>${name}</vssd:VirtualSystemIdentifier>`,
    `        <vssd:VirtualSystemType>${SYSTEM_TYPES}</vssd:VirtualSystemType>`,
    "      </System>",
    ...hardwareItems(o),
    // After the Items, as the schema's extension point wants: VMware boots the VM with UEFI.
    '      <vmw:Config ovf:required="false" vmw:key="firmware" vmw:value="efi"/>',
    "    </VirtualHardwareSection>",
    // Last in VirtualSystem (the schema's extension point); a reader that does not know it skips it.
    ...vboxMachineXml({ name: o.name, osType: VBOX_OS_TYPE, machineUuid: o.machineUuid, diskUuid: o.diskUuid, cpus: o.cpus, memoryMiB: o.memoryMiB }),
    "  </VirtualSystem>",
    "</Envelope>",
    "",
  ].join("\n");
}

/** The .mf manifest: one `SHA256(file)= hex` line per file, in the order given. */
export function manifestText(files: readonly { readonly name: string; readonly sha256: string }[]): string {
  return files.map((f) => `SHA256(${f.name})= ${f.sha256}\n`).join("");
}
