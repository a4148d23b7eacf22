package dev.doorward.hub.outbound;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;

/**
 * The one rule for where the hub may send a request a member or admin chose (a push service, an ntfy topic):
 * only to the public internet — never loopback, private, link-local (cloud metadata), carrier-grade NAT, unique
 * local, documentation, benchmarking, multicast or reserved addresses, nor IPv6 forms that carry one of those.
 * Callers resolve the name once, check every address here, and connect to an address they checked.
 */
public final class PublicAddresses {
    private PublicAddresses() {}

    /** True for an address on the public internet. */
    public static boolean isPublic(InetAddress address) {
        if (address.isAnyLocalAddress()
                || address.isLoopbackAddress()
                || address.isLinkLocalAddress()
                || address.isSiteLocalAddress()
                || address.isMulticastAddress()) {
            return false;
        }
        byte[] b = address.getAddress();
        if (address instanceof Inet4Address) {
            return isPublicV4(b);
        }
        if (address instanceof Inet6Address) {
            int first = b[0] & 0xff;
            if ((first & 0xfe) == 0xfc) {
                return false; // fc00::/7 unique local (also AWS's fd00:ec2::254 metadata)
            }
            if (first == 0xfe && (b[1] & 0xc0) == 0xc0) {
                return false; // fec0::/10 old site-local
            }
            if (first == 0x20 && b[1] == 0x01 && b[2] == 0x0d && (b[3] & 0xff) == 0xb8) {
                return false; // 2001:db8::/32 documentation
            }
            if (first == 0x20 && b[1] == 0x02) {
                return isPublicV4(new byte[] {b[2], b[3], b[4], b[5]}); // 6to4 carries an IPv4 address
            }
            if (first == 0x00 && b[1] == 0x64 && (b[2] & 0xff) == 0xff && (b[3] & 0xff) == 0x9b) {
                return isPublicV4(new byte[] {b[12], b[13], b[14], b[15]}); // NAT64 64:ff9b::/96
            }
            boolean firstTwelveZero = true;
            for (int i = 0; i < 12; i++) {
                firstTwelveZero &= b[i] == 0;
            }
            if (firstTwelveZero) {
                return false; // ::/96, IPv4-compatible: nothing public lives there
            }
            boolean mapped = true;
            for (int i = 0; i < 10; i++) {
                mapped &= b[i] == 0;
            }
            if (mapped && (b[10] & 0xff) == 0xff && (b[11] & 0xff) == 0xff) {
                return isPublicV4(new byte[] {b[12], b[13], b[14], b[15]});
            }
            return (first & 0xe0) == 0x20; // global unicast is 2000::/3
        }
        return false;
    }

    private static boolean isPublicV4(byte[] b) {
        int a0 = b[0] & 0xff;
        int a1 = b[1] & 0xff;
        int a2 = b[2] & 0xff;
        return !(a0 == 0 // "this network"
                || a0 == 10
                || a0 == 127
                || (a0 == 100 && (a1 & 0xc0) == 64) // 100.64.0.0/10 CGNAT (also Alibaba's metadata address)
                || (a0 == 169 && a1 == 254) // link-local, cloud metadata 169.254.169.254
                || (a0 == 172 && (a1 & 0xf0) == 16)
                || (a0 == 192 && a1 == 0 && (a2 == 0 || a2 == 2)) // IETF protocol assignments, TEST-NET-1
                || (a0 == 192 && a1 == 88 && a2 == 99) // 6to4 relay anycast
                || (a0 == 192 && a1 == 168)
                || (a0 == 198 && (a1 & 0xfe) == 18) // benchmarking
                || (a0 == 198 && a1 == 51 && a2 == 100) // TEST-NET-2
                || (a0 == 203 && a1 == 0 && a2 == 113) // TEST-NET-3
                || a0 >= 224); // multicast, reserved, broadcast
    }
}
