package io.pgmux.internal.tls;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;

/**
 * libpq's {@code sslmode=verify-full} host name check (pq_verify_peer_name_matches_certificate):
 * subjectAltName entries of the host's kind (DNS names for a name, IP addresses for an address)
 * decide; only when there is none of that kind does the subject's common name count. Names compare
 * without regard to case, and a name starting with {@code *.} matches exactly one more label.
 */
public final class HostNames {
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
    boolean v4 = h.matches("\\d{1,3}(\\.\\d{1,3}){3}");
    boolean v6 = h.indexOf(':') >= 0 && h.matches("[0-9A-Fa-f:.]+(%.*)?");
    if (!v4 && !v6) {
      return null;
    }
    try {
      return InetAddress.getByName(h).getAddress(); // a literal: no lookup happens
    } catch (UnknownHostException e) {
      return null;
    }
  }

  /** Returns whether {@code host} is an IP literal, to which SNI is never sent. */
  public static boolean isAddress(String host) {
    return literalAddress(host) != null;
  }

  private static String commonName(X509Certificate certificate) {
    try {
      LdapName subject = new LdapName(certificate.getSubjectX500Principal().getName());
      // getRdns() runs in DER order, as OpenSSL searches: libpq takes the first common name.
      for (Rdn rdn : subject.getRdns()) {
        if (rdn.getType().equalsIgnoreCase("CN")) {
          return rdn.getValue().toString();
        }
      }
      return null;
    } catch (InvalidNameException e) {
      return null;
    }
  }
}
