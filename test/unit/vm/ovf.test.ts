import { describe, expect, it } from "vitest";
import { manifestText, ovfXml, OVF_NS, RESOURCE, STREAM_OPTIMIZED, VBOX_NS, VMW_NS, xmlEscape, type OvfInput } from "../../../src/vm/ovf.js";
import { childText, findAll, parseXml, type XmlElement } from "./mini-xml.js";

const input: OvfInput = {
  name: "toy-kat <nightly> & co",
  annotation: 'image sha256:abc; "quoted"',
  cpus: 2,
  memoryMiB: 2048,
  diskFile: "toy-kat_1.0.0-abc.vmdk",
  diskFileBytes: 123456789,
  capacityBytes: 1342177280,
  machineUuid: "0b1c2d3e-4f50-8a6b-9c7d-8e9f0a1b2c3d",
  diskUuid: "9a8b7c6d-5e4f-8a3b-ac1d-0e1f2a3b4c5d",
};

/** The hardware Item whose rasd:ResourceType is `type`. */
function itemOf(doc: XmlElement, type: number): XmlElement {
  const it = findAll(doc, "Item").find((i) => childText(i, "rasd:ResourceType") === String(type));
  if (!it) throw new Error(`no item of type ${type}`);
  return it;
}

describe("ovfXml", () => {
  const doc = parseXml(ovfXml(input));

  it("is well-formed OVF 1.0 with the envelope namespace", () => {
    expect(doc.name).toBe("Envelope");
    expect(doc.attrs.xmlns).toBe(OVF_NS);
    expect(doc.attrs["ovf:version"]).toBe("1.0");
  });

  it("references the VMDK consistently: File → Disk → disk Item", () => {
    const file = findAll(doc, "File");
    expect(file).toHaveLength(1);
    expect(file[0]?.attrs).toMatchObject({ "ovf:href": input.diskFile, "ovf:size": String(input.diskFileBytes) });
    const disk = findAll(doc, "Disk")[0];
    expect(disk?.attrs["ovf:fileRef"]).toBe(file[0]?.attrs["ovf:id"]);
    expect(disk?.attrs["ovf:format"]).toBe(STREAM_OPTIMIZED);
    expect(disk?.attrs["ovf:capacity"]).toBe(String(input.capacityBytes));
    expect(childText(itemOf(doc, RESOURCE.disk), "rasd:HostResource")).toBe(`ovf:/disk/${disk?.attrs["ovf:diskId"]}`);
  });

  it("puts the disk on a SATA AHCI controller (VMware's subtype, which VirtualBox maps to AHCI), by Parent = the controller's InstanceID", () => {
    const ctl = itemOf(doc, RESOURCE.otherStorage);
    expect(childText(ctl, "rasd:ResourceSubType")).toBe("vmware.sata.ahci");
    expect(childText(itemOf(doc, RESOURCE.disk), "rasd:Parent")).toBe(childText(ctl, "rasd:InstanceID"));
  });

  it("has CPUs, memory in MB units VirtualBox accepts, and one E1000 NIC on the NAT network it declares", () => {
    expect(childText(itemOf(doc, RESOURCE.cpu), "rasd:VirtualQuantity")).toBe("2");
    const mem = itemOf(doc, RESOURCE.memory);
    expect(childText(mem, "rasd:AllocationUnits")).toBe("byte * 2^20");
    expect(childText(mem, "rasd:VirtualQuantity")).toBe("2048");
    const nics = findAll(doc, "Item").filter((i) => childText(i, "rasd:ResourceType") === String(RESOURCE.ethernet));
    expect(nics).toHaveLength(1);
    expect(childText(nics[0] as XmlElement, "rasd:ResourceSubType")).toBe("E1000");
    const networks = findAll(findAll(doc, "NetworkSection")[0] as XmlElement, "Network").map((n) => n.attrs["ovf:name"]);
    expect(networks).toEqual([childText(nics[0] as XmlElement, "rasd:Connection")]);
  });

  it("gives every Item a distinct InstanceID and writes rasd fields in schema (alphabetical) order", () => {
    const items = findAll(doc, "Item");
    const ids = items.map((i) => childText(i, "rasd:InstanceID"));
    expect(new Set(ids).size).toBe(items.length);
    for (const i of items) {
      const names = i.children.map((c) => c.name);
      expect(names).toEqual([...names].sort());
    }
  });

  it("names the system, escapes what needs escaping, and says it boots with UEFI", () => {
    const vs = findAll(doc, "VirtualSystem")[0];
    expect(vs?.attrs["ovf:id"]).toBe(input.name);
    expect(childText(vs as XmlElement, "Name")).toBe(input.name);
    expect(findAll(doc, "Annotation")[0]?.text).toBe(input.annotation);
    expect(findAll(doc, "OperatingSystemSection")[0]?.attrs["ovf:id"]).toBe("96");
    expect(xmlEscape(`a<b>&"'`)).toBe("a&lt;b&gt;&amp;&quot;&apos;");
  });

  it("is the same bytes for the same input", () => {
    expect(ovfXml(input)).toBe(ovfXml({ ...input }));
  });
});

describe("what VirtualBox and VMware need from the OVF", () => {
  const doc = parseXml(ovfXml(input));
  const vs = findAll(doc, "VirtualSystem")[0] as XmlElement;
  const machine = vs.children.find((c) => c.name === "vbox:Machine") as XmlElement;
  const hw = machine?.children.find((c) => c.name === "Hardware") as XmlElement;
  const one = (el: XmlElement, name: string) => {
    const all = findAll(el, name);
    expect(all, name).toHaveLength(1);
    return all[0] as XmlElement;
  };

  it("lists a VMware family and VirtualBox's in VirtualSystemType, and asks VMware for EFI", () => {
    expect(doc.attrs["xmlns:vmw"]).toBe(VMW_NS);
    const types = (findAll(doc, "vssd:VirtualSystemType")[0]?.text ?? "").split(" ");
    expect(types.some((t) => /^vmx-\d+$/.test(t))).toBe(true);
    expect(types).toContain("virtualbox-2.2");
    const config = findAll(doc, "vmw:Config");
    expect(config.map((c) => c.attrs)).toEqual([{ "ovf:required": "false", "vmw:key": "firmware", "vmw:value": "efi" }]);
    // The extension comes after every Item, as the VirtualHardwareSection schema wants.
    const section = findAll(doc, "VirtualHardwareSection")[0] as XmlElement;
    expect(section.children.at(-1)?.name).toBe("vmw:Config");
  });

  it("has an optional vbox:Machine, last in the VirtualSystem, with EFI firmware", () => {
    expect(doc.attrs["xmlns:vbox"]).toBe(VBOX_NS);
    expect(vs.children.at(-1)?.name).toBe("vbox:Machine");
    expect(machine.attrs).toMatchObject({ "ovf:required": "false", uuid: `{${input.machineUuid}}`, name: input.name, OSType: "Debian_64" });
    expect(machine.attrs.version).toMatch(/^1\.\d+-/);
    expect(one(hw, "Firmware").attrs.type).toBe("EFI");
    expect(findAll(hw, "Order")[0]?.attrs).toEqual({ position: "1", device: "HardDisk" });
  });

  it("ties the machine's disk to the OVF Disk by one UUID (braces in the machine, none in vbox:uuid)", () => {
    const disk = findAll(doc, "Disk")[0] as XmlElement;
    expect(disk.attrs["vbox:uuid"]).toBe(input.diskUuid);
    const ctl = one(hw, "StorageController");
    expect(ctl.attrs).toMatchObject({ type: "AHCI" });
    const att = one(ctl, "AttachedDevice");
    expect(att.attrs).toMatchObject({ type: "HardDisk", port: "0", device: "0" });
    expect(one(att, "Image").attrs.uuid).toBe(`{${disk.attrs["vbox:uuid"]}}`);
  });

  it("repeats the OVF items in the machine: CPUs, memory, one E1000 (82540EM) on NAT", () => {
    expect(one(hw, "CPU").attrs.count).toBe(childText(itemOf(doc, RESOURCE.cpu), "rasd:VirtualQuantity"));
    expect(one(hw, "Memory").attrs.RAMSize).toBe(childText(itemOf(doc, RESOURCE.memory), "rasd:VirtualQuantity"));
    const nic = one(hw, "Adapter");
    expect(nic.attrs).toMatchObject({ slot: "0", enabled: "true", type: "82540EM" });
    expect(nic.children.map((c) => c.name)).toEqual(["NAT"]);
    expect(nic.attrs.MACAddress).toBeUndefined(); // VirtualBox draws one; a fixed MAC would clash between imports
  });

  it("gives the console a serial port: COM1 in the machine, an optional serial Item for VMware", () => {
    expect(one(hw, "Port").attrs).toMatchObject({ slot: "0", enabled: "true", IOBase: "0x3f8", IRQ: "4" });
    const serial = itemOf(doc, RESOURCE.serial);
    expect(serial.attrs["ovf:required"]).toBe("false");
    // Every other Item is required: VirtualBox refuses an unknown required resource type.
    expect(findAll(doc, "Item").filter((i) => i.attrs["ovf:required"] === "false")).toEqual([serial]);
  });

  it("escapes the name in the machine too", () => {
    expect(ovfXml(input)).toContain('name="toy-kat &lt;nightly&gt; &amp; co"');
  });
});

describe("the mini XML reader itself", () => {
  it("rejects crossed tags, unclosed elements and bare ampersands", () => {
    expect(() => parseXml("<a><b></a></b>")).toThrow();
    expect(() => parseXml("<a><b></b>")).toThrow();
    expect(() => parseXml("<a>x & y</a>")).toThrow();
  });
});

describe("manifestText", () => {
  it("writes one SHA256(name)= line per file", () => {
    expect(
      manifestText([
        { name: "a.ovf", sha256: "00" },
        { name: "a.vmdk", sha256: "ff" },
      ]),
    ).toBe("SHA256(a.ovf)= 00\nSHA256(a.vmdk)= ff\n");
  });
});
