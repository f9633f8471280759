// The OVF 1.0 descriptor (DMTF DSP0243) of the OVA: one VirtualSystem with its CPUs, memory, a SATA (AHCI)
// controller holding the streamOptimized VMDK, and one E1000 NIC on a network named "NAT". It carries
// exactly what VirtualBox's OVF reader requires: References/File with href and size, DiskSection/Disk with
// diskId, fileRef, capacity and format, and hardware Items with InstanceIDs, the disk's Parent pointing at
// its controller and HostResource "ovf:/disk/<diskId>". rasd elements are written in the CIM schema's
// (alphabetical) order so a validating reader accepts them. Pure: the same input gives the same bytes.

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
}

export const OVF_NS = "http://schemas.dmtf.org/ovf/envelope/1";
export const RASD_NS = "http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/CIM_ResourceAllocationSettingData";
export const VSSD_NS = "http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/CIM_VirtualSystemSettingData";
export const VBOX_NS = "http://www.virtualbox.org/ovf/machine";
export const STREAM_OPTIMIZED = "http://www.vmware.com/interfaces/specifications/vmdk.html#streamOptimized";
/** CIM operating system id 96: "Debian 64-Bit". */
export const CIM_OS_DEBIAN_64 = 96;
/** CIM resource types of the hardware items (DSP0243 / CIM_ResourceAllocationSettingData). */
export const RESOURCE = { cpu: 3, memory: 4, ethernet: 10, disk: 17, otherStorage: 20 } as const;

const DISK_ID = "vmdisk1";
const FILE_ID = "file1";
const NETWORK = "NAT";

/** Escapes text for XML content and attribute values. */
export function xmlEscape(s: string): string {
  return s.replace(/[<>&"']/g, (c) => ({ "<": "&lt;", ">": "&gt;", "&": "&amp;", '"': "&quot;", "'": "&apos;" })[c] as string);
}

/** One hardware Item; `fields` are rasd element names → values, written sorted by name (the schema order). */
function item(fields: Readonly<Record<string, string | number>>): string {
  const body = Object.keys(fields)
    .sort()
    .map((k) => `        <rasd:${k}>${xmlEscape(String(fields[k]))}</rasd:${k}>`);
  return ["      <Item>", ...body, "      </Item>"].join("\n");
}

/** The hardware items: CPU, memory, SATA controller, the disk on it, and the NIC. InstanceIDs 1–5. */
function hardwareItems(o: OvfInput): string[] {
  return [
    item({ Caption: `${o.cpus} virtual CPU`, Description: "Number of virtual CPUs", ElementName: `${o.cpus} virtual CPU`, InstanceID: 1, ResourceType: RESOURCE.cpu, VirtualQuantity: o.cpus }),
    item({ AllocationUnits: "byte * 2^20", Caption: `${o.memoryMiB} MB of memory`, Description: "Memory Size", ElementName: `${o.memoryMiB} MB of memory`, InstanceID: 2, ResourceType: RESOURCE.memory, VirtualQuantity: o.memoryMiB }),
    item({ Address: 0, Caption: "sataController0", Description: "SATA Controller", ElementName: "sataController0", InstanceID: 3, ResourceSubType: "AHCI", ResourceType: RESOURCE.otherStorage }),
    item({ AddressOnParent: 0, Caption: "disk1", Description: "Disk Image", ElementName: "disk1", HostResource: `ovf:/disk/${DISK_ID}`, InstanceID: 4, Parent: 3, ResourceType: RESOURCE.disk }),
    item({ AutomaticAllocation: "true", Caption: `Ethernet adapter on '${NETWORK}'`, Connection: NETWORK, ElementName: `Ethernet adapter on '${NETWORK}'`, InstanceID: 5, ResourceSubType: "E1000", ResourceType: RESOURCE.ethernet }),
  ];
}

/** The complete descriptor. */
export function ovfXml(o: OvfInput): string {
  const name = xmlEscape(o.name);
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<Envelope ovf:version="1.0" xml:lang="en-US" xmlns="${OVF_NS}" xmlns:ovf="${OVF_NS}" xmlns:rasd="${RASD_NS}" xmlns:vssd="${VSSD_NS}" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:vbox="${VBOX_NS}">`,
    "  <References>",
    `    <File ovf:id="${FILE_ID}" ovf:href="${xmlEscape(o.diskFile)}" ovf:size="${o.diskFileBytes}"/>`,
    "  </References>",
    "  <DiskSection>",
    "    <Info>List of the virtual disks used in the package</Info>",
    `    <Disk ovf:capacity="${o.capacityBytes}" ovf:capacityAllocationUnits="byte" ovf:diskId="${DISK_ID}" ovf:fileRef="${FILE_ID}" ovf:format="${STREAM_OPTIMIZED}"/>`,
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
    "      <Description>Debian_64</Description>",
    '      <vbox:OSType ovf:required="false">Debian_64</vbox:OSType>',
    "    </OperatingSystemSection>",
    "    <VirtualHardwareSection>",
    "      <Info>Virtual hardware requirements for a virtual machine</Info>",
    "      <System>",
    "        <vssd:ElementName>Virtual Hardware Family</vssd:ElementName>",
    "        <vssd:InstanceID>0</vssd:InstanceID>",
    `        <vssd:VirtualSystemIdentifier>${name}</vssd:VirtualSystemIdentifier>`,
    "        <vssd:VirtualSystemType>virtualbox-2.2</vssd:VirtualSystemType>",
    "      </System>",
    ...hardwareItems(o),
    "    </VirtualHardwareSection>",
    "  </VirtualSystem>",
    "</Envelope>",
    "",
  ].join("\n");
}

/** The .mf manifest: one `SHA256(file)= hex` line per file, in the order given. */
export function manifestText(files: readonly { readonly name: string; readonly sha256: string }[]): string {
  return files.map((f) => `SHA256(${f.name})= ${f.sha256}\n`).join("");
}
