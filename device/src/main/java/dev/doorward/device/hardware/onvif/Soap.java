package dev.doorward.device.hardware.onvif;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilder;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.parsers.ParserConfigurationException;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;
import org.xml.sax.ErrorHandler;
import org.xml.sax.SAXException;
import org.xml.sax.SAXParseException;

/**
 * SOAP 1.2 envelopes for ONVIF: built from fixed text with every value escaped, and parsed safely. A doorbell's
 * answer is parsed with DTDs refused outright (no external entities, no entity expansion bombs: XXE), and it is
 * bounded in size before it gets here ({@link OnvifClient#MAX_ANSWER_BYTES}).
 */
final class Soap {
    static final String ENV = "http://www.w3.org/2003/05/soap-envelope";
    static final String WSA = "http://www.w3.org/2005/08/addressing";
    static final String WSNT = "http://docs.oasis-open.org/wsn/b-2";
    static final String TEV = "http://www.onvif.org/ver10/events/wsdl";
    static final String TDS = "http://www.onvif.org/ver10/device/wsdl";
    static final String TT = "http://www.onvif.org/ver10/schema";

    private static final DocumentBuilderFactory FACTORY = factory();

    private Soap() {}

    private static DocumentBuilderFactory factory() {
        try {
            DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
            f.setNamespaceAware(true);
            // A DOCTYPE is an error: this alone stops external entities and entity expansion.
            f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            f.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
            f.setFeature("http://xml.org/sax/features/external-general-entities", false);
            f.setFeature("http://xml.org/sax/features/external-parameter-entities", false);
            f.setAttribute(XMLConstants.ACCESS_EXTERNAL_DTD, "");
            f.setAttribute(XMLConstants.ACCESS_EXTERNAL_SCHEMA, "");
            f.setXIncludeAware(false);
            f.setExpandEntityReferences(false);
            return f;
        } catch (ParserConfigurationException e) {
            throw new IllegalStateException("the JDK's XML parser lacks a security feature", e);
        }
    }

    /** An envelope with {@code header} (may be empty) and {@code body}, both already escaped XML. */
    static String envelope(String header, String body) {
        return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
                + "<s:Envelope xmlns:s=\"" + ENV + "\" xmlns:a=\"" + WSA + "\">"
                + "<s:Header>" + header + "</s:Header>"
                + "<s:Body>" + body + "</s:Body></s:Envelope>";
    }

    /** WS-Addressing headers: the pull point and subscription manager of many doorbells need them. */
    static String addressing(String action, String to) {
        return "<a:Action s:mustUnderstand=\"1\">" + escape(action) + "</a:Action>" + "<a:To s:mustUnderstand=\"1\">"
                + escape(to) + "</a:To>";
    }

    static String escape(String text) {
        StringBuilder out = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '&' -> out.append("&amp;");
                case '"' -> out.append("&quot;");
                case '\'' -> out.append("&apos;");
                default -> out.append(c);
            }
        }
        return out.toString();
    }

    /**
     * Parses a doorbell's answer.
     *
     * @throws OnvifException for anything that is not well-formed XML, or that has a DTD
     */
    static Document parse(byte[] xml) {
        try {
            DocumentBuilder builder = FACTORY.newDocumentBuilder();
            builder.setErrorHandler(new ErrorHandler() {
                @Override
                public void warning(SAXParseException e) {}

                @Override
                public void error(SAXParseException e) throws SAXException {
                    throw e;
                }

                @Override
                public void fatalError(SAXParseException e) throws SAXException {
                    throw e;
                }
            });
            Document document = builder.parse(new ByteArrayInputStream(xml));
            Element root = document.getDocumentElement();
            if (!ENV.equals(root.getNamespaceURI()) || !"Envelope".equals(root.getLocalName())) {
                throw new OnvifException("the answer is not a SOAP 1.2 envelope (root <" + root.getNodeName() + ">)");
            }
            return document;
        } catch (SAXException e) {
            if (String.valueOf(e.getMessage()).contains("DOCTYPE")) {
                throw new OnvifException(
                        "the answer has a DOCTYPE, refused (no DTDs or entities from a doorbell: XXE)");
            }
            throw new OnvifException("the answer is not well-formed XML (" + oneLine(e.getMessage()) + ")");
        } catch (IOException | ParserConfigurationException e) {
            throw new OnvifException("the answer cannot be read (" + e + ")");
        }
    }

    /** The fault's codes and reason, e.g. {@code env:Sender ter:NotAuthorized: Sender not authorized}, if any. */
    static Optional<String> fault(Document document) {
        Optional<Element> fault = first(document.getDocumentElement(), ENV, "Fault");
        if (fault.isEmpty()) {
            return Optional.empty();
        }
        List<String> codes = new ArrayList<>();
        NodeList values = fault.get().getElementsByTagNameNS(ENV, "Value");
        for (int i = 0; i < values.getLength(); i++) {
            codes.add(values.item(i).getTextContent().strip());
        }
        String reason = first(fault.get(), ENV, "Text")
                .map(Node::getTextContent)
                .orElse("")
                .strip();
        return Optional.of(oneLine(String.join(" ", codes) + (reason.isEmpty() ? "" : ": " + reason)));
    }

    static Optional<Element> first(Element in, String namespace, String localName) {
        NodeList nodes = in.getElementsByTagNameNS(namespace, localName);
        return nodes.getLength() == 0 ? Optional.empty() : Optional.of((Element) nodes.item(0));
    }

    static List<Element> all(Element in, String namespace, String localName) {
        NodeList nodes = in.getElementsByTagNameNS(namespace, localName);
        List<Element> out = new ArrayList<>(nodes.getLength());
        for (int i = 0; i < nodes.getLength(); i++) {
            out.add((Element) nodes.item(i));
        }
        return out;
    }

    /** The text of the first such element anywhere in the answer. */
    static String text(Document document, String namespace, String localName) {
        return first(document.getDocumentElement(), namespace, localName)
                .map(e -> e.getTextContent().strip())
                .filter(t -> !t.isEmpty())
                .orElseThrow(() -> new OnvifException("the answer has no " + localName));
    }

    /** Bounded and on one line, for a log. */
    static String oneLine(String text) {
        String s = text == null ? "" : text.replaceAll("\\s+", " ").strip();
        return s.length() > 200 ? s.substring(0, 200) + "…" : s;
    }
}
