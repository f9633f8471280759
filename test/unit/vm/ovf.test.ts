import { describe, expect, it } from "vitest";
import { manifestText, ovfXml, OVF_NS, RESOURCE, STREAM_OPTIMIZED, xmlEscape, type OvfInput } from "../../../src/vm/ovf.js";
import { childText, findAll, parseXml, type XmlElement } from "./mini-xml.js";

const input: OvfInput = {
  name: "toy-kat <nightly> & co",
  annotation: "image sha256:abc; \"quoted\"",
  cpus: 2,
  memoryMiB: 2048,
  diskFile: "toy-kat_1.0.0-abc.vmdk",
  diskFileBytes: 123456789,
  capacityBytes: 1342177280,
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

  it("puts the disk on a SATA AHCI controller, by Parent = the controller's InstanceID", () => {
    const ctl = itemOf(doc, RESOURCE.otherStorage);
    expect(childText(ctl, "rasd:ResourceSubType")).toBe("AHCI");
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
    const networks = findAll(doc, "Network").map((n) => n.attrs["ovf:name"]);
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

describe("the mini XML reader itself", () => {
  it("rejects crossed tags, unclosed elements and bare ampersands", () => {
    expect(() => parseXml("<a><b></a></b>")).toThrow();
    expect(() => parseXml("<a><b></b>")).toThrow();
    expect(() => parseXml("<a>x & y</a>")).toThrow();
  });
});

describe("manifestText", () => {
  it("writes one SHA256(name)= line per file", () => {
    expect(manifestText([{ name: "a.ovf", sha256: "00" }, { name: "a.vmdk", sha256: "ff" }])).toBe("SHA256(a.ovf)= 00\nSHA256(a.vmdk)= ff\n");
  });
});
