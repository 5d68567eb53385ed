import { describe, expect, it } from "vitest";
import { childElement, childElements, childText, parseXml, textContent, writeXmlDocument, XmlError, type XmlElement } from "../src/lsl/xml.js";

const INFO = `<?xml version="1.0"?>
<info>
\t<name>PeerTest</name>
\t<source_id></source_id>
\t<nominal_srate>10.00000000000000</nominal_srate>
\t<desc>
\t\t<channels>
\t\t\t<channel><label>C3 &amp; C4</label></channel>
\t\t\t<channel><label><![CDATA[<raw>]]></label></channel>
\t\t</channels>
\t</desc>
</info>
`;

describe("parseXml", () => {
  it("reads elements, text, entities and CDATA", () => {
    const root = parseXml(INFO);
    expect(root.name).toBe("info");
    expect(childText(root, "name")).toBe("PeerTest");
    expect(childText(root, "source_id")).toBe("");
    const channels = childElement(childElement(root, "desc") as XmlElement, "channels") as XmlElement;
    expect(childElements(channels, "channel").map((channel) => childText(channel, "label"))).toEqual(["C3 & C4", "<raw>"]);
  });

  it("reads attributes and character references", () => {
    const root = parseXml(`<a x="1" y='&#65;&#x42;'>t&lt;</a>`);
    expect(root.attributes).toEqual({ x: "1", y: "AB" });
    expect(textContent(root)).toBe("t<");
  });

  it.each([
    ["a document type", `<?xml version="1.0"?><!DOCTYPE a [<!ENTITY e "boom">]><a>&e;</a>`, /document type/],
    ["an undefined entity", "<a>&e;</a>", /not defined/],
    ["a mismatched end tag", "<a><b></a>", /closes/],
    ["an unclosed element", "<a><b>", /not closed/],
    ["content after the root", "<a/><b/>", /after the root/],
    ["a duplicate attribute", `<a x="1" x="2"/>`, /twice/],
  ])("rejects %s", (_case, text, message) => {
    expect(() => parseXml(text)).toThrow(XmlError);
    expect(() => parseXml(text)).toThrow(message);
  });

  it("rejects deep nesting and long documents", () => {
    expect(() => parseXml("<a>".repeat(100) + "</a>".repeat(100))).toThrow(/deeper than 64/);
    expect(() => parseXml(`<a>${"x".repeat(200)}</a>`, { maxChars: 100 })).toThrow(/longer than the 100/);
  });
});

describe("writeXmlDocument", () => {
  it("writes liblsl's layout and reads back", () => {
    const root: XmlElement = {
      name: "info",
      attributes: {},
      children: [
        { name: "name", attributes: {}, children: ["A&B"] },
        { name: "source_id", attributes: {}, children: [""] },
        { name: "desc", attributes: {}, children: [] },
      ],
    };
    const text = writeXmlDocument(root);
    expect(text).toBe('<?xml version="1.0"?>\n<info>\n\t<name>A&amp;B</name>\n\t<source_id></source_id>\n\t<desc />\n</info>\n');
    expect(childText(parseXml(text), "name")).toBe("A&B");
  });
});
