package io.pgmux.internal.tls;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * libpq's {@code sslmode=verify-full} host name check (pq_verify_peer_name_matches_certificate):
 * subjectAltName entries of the host's kind (DNS names for a name, IP addresses for an address)
 * decide; only when there is none of that kind does the subject's common name count. Names compare
 * without regard to case, and a name starting with {@code *.} matches exactly one more label.
 */
public final class HostNames {
  // Compiled once: a route's host is checked on every login.
  private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");
  private static final Pattern IPV6 = Pattern.compile("[0-9A-Fa-f:.]+(%.*)?");
  private static final int SAN_DNS = 2;
  private static final int SAN_IP = 7;

  private HostNames() {}

  /**
   * Returns null if the certificate names {@code host}, else libpq's message: {@code server
   * certificate for "a" (and 2 other names) does not match host name "b"}.
   */
  public static String mismatch(X509Certificate certificate, String host) {
    byte[] address = literalAddress(host);
    List<String> names = new ArrayList<>();
    boolean sawHostKind = false;
    Collection<List<?>> alternatives;
    try {
      alternatives = certificate.getSubjectAlternativeNames();
    } catch (CertificateParsingException e) {
      return "could not get server's host name from server certificate";
    }
    if (alternatives != null) {
      for (List<?> entry : alternatives) {
        int type = (Integer) entry.get(0);
        if (type == SAN_DNS) {
          String name = (String) entry.get(1);
          names.add(name);
          sawHostKind |= address == null;
          if (nameMatches(name, host)) { // compared as text even for an address, as libpq does
            return null;
          }
        } else if (type == SAN_IP) {
          String ip = (String) entry.get(1);
          names.add(ip);
          sawHostKind |= address != null;
          if (address != null && Arrays.equals(literalAddress(ip), address)) {
            return null;
          }
        }
      }
    }
    if (!sawHostKind) {
      String common = commonName(certificate);
      if (common != null) {
        names.add(common);
        if (nameMatches(common, host)) {
          return null;
        }
      }
    }
    if (names.isEmpty()) {
      return "could not get server's host name from server certificate";
    }
    if (names.size() == 1) {
      return "server certificate for \"" + names.get(0) + "\" does not match host name \"" + host + "\"";
    }
    int others = names.size() - 1;
    return "server certificate for \""
        + names.get(0)
        + "\" (and "
        + others
        + (others == 1 ? " other name" : " other names")
        + ") does not match host name \""
        + host
        + "\"";
  }

  private static boolean nameMatches(String pattern, String host) {
    String p = pattern.toLowerCase(Locale.ROOT);
    String h = host.toLowerCase(Locale.ROOT);
    if (p.indexOf('\0') >= 0) {
      return false; // an embedded NUL is an attack, as libpq notes
    }
    if (p.startsWith("*.") && p.length() > 2) {
      String suffix = p.substring(1); // ".example.com"
      return h.length() > suffix.length()
          && h.endsWith(suffix)
          && h.substring(0, h.length() - suffix.length()).indexOf('.') < 0;
    }
    return p.equals(h);
  }

  /** Returns the address bytes if {@code host} is an IPv4 or IPv6 literal, else null. */
  static byte[] literalAddress(String host) {
    String h = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
    boolean v4 = IPV4.matcher(h).matches() && octetsInRange(h);
    boolean v6 = h.indexOf(':') >= 0 && IPV6.matcher(h).matches();
    if (!v4 && !v6) {
      return null;
    }
    try {
      // A literal: no lookup happens. (The JDK takes "999.1.1.1" for a name and asks DNS, which
      // must not happen here: routing asks this on the event loop.)
      return InetAddress.getByName(h).getAddress();
    } catch (UnknownHostException e) {
      return null;
    }
  }

  /** Whether each part of a dotted-quad is at most 255. */
  private static boolean octetsInRange(String dottedQuad) {
    for (String octet : dottedQuad.split("\\.")) {
      if (Integer.parseInt(octet) > 255) {
        return false;
      }
    }
    return true;
  }

  /** Returns whether {@code host} is an IP literal, to which SNI is never sent. */
  public static boolean isAddress(String host) {
    return literalAddress(host) != null;
  }

  /**
   * Returns the subject's first common name in DER order, as OpenSSL finds it for libpq. Read from
   * the DER itself: the subject is a SEQUENCE of SETs of SEQUENCE {OID, string}.
   */
  static String commonName(X509Certificate certificate) {
    byte[] der = certificate.getSubjectX500Principal().getEncoded();
    for (int i = 0; i + 5 < der.length; i++) {
      // OID 2.5.4.3 (commonName): 06 03 55 04 03, then the string's tag and length.
      if (der[i] == 0x06 && der[i + 1] == 0x03 && der[i + 2] == 0x55 && der[i + 3] == 0x04
          && der[i + 4] == 0x03) {
        int at = i + 5;
        int tag = der[at] & 0xff;
        int length = der[at + 1] & 0xff;
        at += 2;
        if (length > 0x7f) { // long form
          int bytes = length & 0x7f;
          length = 0;
          for (int b = 0; b < bytes && at < der.length; b++) {
            length = (length << 8) | (der[at++] & 0xff);
          }
        }
        if (at + length > der.length) {
          return null;
        }
        switch (tag) {
          case 0x0c: // UTF8String
            return new String(der, at, length, StandardCharsets.UTF_8);
          case 0x13: // PrintableString
          case 0x16: // IA5String
          case 0x14: // TeletexString, read as Latin-1 as OpenSSL's ASN1_STRING_to_UTF8 does
            return new String(der, at, length, StandardCharsets.ISO_8859_1);
          case 0x1e: // BMPString
            return new String(der, at, length, StandardCharsets.UTF_16BE);
          default:
            return null;
        }
      }
    }
    return null;
  }
}
