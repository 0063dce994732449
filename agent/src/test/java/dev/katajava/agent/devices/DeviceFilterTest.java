package dev.katajava.agent.devices;

import static org.assertj.core.api.Assertions.assertThat;

import dev.katajava.protocols.agent.LinuxDeviceCgroup;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class DeviceFilterTest {
    /** linux.resources.devices exactly as `ctr run` (containerd 1.6) writes them into config.json. */
    static final List<String> CONTAINERD_DEFAULT = List.of(
            "deny - rwm", "allow c 1:3 rwm", "allow c 1:8 rwm", "allow c 1:7 rwm", "allow c 5:0 rwm",
            "allow c 1:5 rwm", "allow c 1:9 rwm", "allow c 5:1 rwm", "allow c 136:- rwm", "allow c 5:2 rwm");

    /** "allow|deny TYPE MAJOR:MINOR ACCESS" with "-" for a field config.json leaves out. */
    static List<LinuxDeviceCgroup> rules(List<String> lines) {
        List<LinuxDeviceCgroup> out = new ArrayList<>();
        for (String line : lines) {
            String[] f = line.split(" ", -1);
            LinuxDeviceCgroup.Builder b = LinuxDeviceCgroup.newBuilder().setAllow(f[0].equals("allow")).setAccess(f[f.length - 1]);
            b.setType(f[1].equals("-") ? "" : f[1]).setMajor(-1).setMinor(-1);
            if (f.length == 4) {
                String[] mm = f[2].split(":", -1);
                b.setMajor(mm[0].equals("-") ? -1 : Long.parseLong(mm[0])).setMinor(mm[1].equals("-") ? -1 : Long.parseLong(mm[1]));
            }
            out.add(b.build());
        }
        return out;
    }

    private static byte[] program(List<String> lines, String... specDevicePaths) throws DeviceException {
        return DeviceFilter.compile(DeviceRules.forContainer(rules(lines), List.of(specDevicePaths)));
    }

    private static byte[] exactly(String... lines) throws DeviceException {
        List<LinuxDeviceCgroup> spec = rules(List.of(lines));
        DeviceRule[] parsed = new DeviceRule[spec.size()];
        for (int i = 0; i < parsed.length; i++) {
            parsed[i] = DeviceRule.of(spec.get(i), "rule " + i);
        }
        return DeviceFilter.compile(DeviceRules.of(parsed));
    }

    private static int access(String letters) {
        int bits = 0;
        for (int i = 0; i < letters.length(); i++) {
            char c = letters.charAt(i);
            bits |= c == 'r' ? DeviceRule.READ : c == 'w' ? DeviceRule.WRITE : DeviceRule.MKNOD;
        }
        return bits;
    }

    @ParameterizedTest(name = "{0} {1}:{2} {3} -> {4}")
    @CsvSource({
        // The standard nodes, the console, ptys and ptmx: everything.
        "c, 1, 3, rw, true", "c, 1, 5, r, true", "c, 1, 7, w, true", "c, 1, 8, r, true", "c, 1, 9, r, true",
        "c, 5, 0, rw, true", "c, 5, 1, rw, true", "c, 5, 2, rw, true", "c, 136, 0, rw, true",
        "c, 136, 1048575, rw, true", "c, 1, 3, m, true",
        // Anything else may be created (runc's mknod rules) but not opened.
        "c, 4, 64, m, true", "c, 4, 64, r, false", "c, 4, 64, w, false", "c, 4, 64, rw, false",
        "b, 8, 0, m, true", "b, 8, 0, r, false", "b, 8, 0, rw, false",
        "c, 10, 229, r, false", "c, 1, 1, r, false", "c, 1, 4, rw, false", "c, 137, 0, r, false",
        // A block device with a standard node's numbers is another device.
        "b, 1, 3, r, false", "b, 136, 0, w, false",
        // runc's own additions: /dev/net/tun.
        "c, 10, 200, rw, true",
    })
    void containerdsDefaultRulesAllowTheStandardNodesAndMknodButNothingElse(char type, int major, int minor,
            String access, boolean allowed) throws Exception {
        byte[] p = program(CONTAINERD_DEFAULT);

        assertThat(EbpfInterpreter.allows(p, type, major, minor, access(access))).isEqualTo(allowed);
    }

    @Test
    void aDeviceAddedWithItsRuleCanBeOpenedAndItsNeighboursCannot() throws Exception {
        List<String> withFuse = new ArrayList<>(CONTAINERD_DEFAULT);
        withFuse.add("allow c 10:229 rwm");
        byte[] p = program(withFuse, "/dev/fuse");

        assertThat(EbpfInterpreter.allows(p, 'c', 10, 229, access("rw"))).isTrue();
        assertThat(EbpfInterpreter.allows(p, 'c', 10, 228, access("r"))).isFalse();
    }

    @Test
    void allowAllLeavesNothingToFilter() throws Exception {
        assertThat(DeviceRules.forContainer(rules(List.of("allow - rwm")), List.of()).allowsAll()).isTrue();
        assertThat(DeviceRules.forContainer(rules(List.of("allow a rwm")), List.of("/dev/null")).allowsAll()).isTrue();
        assertThat(DeviceRules.forContainer(rules(CONTAINERD_DEFAULT), List.of()).allowsAll()).isFalse();
    }

    @Test
    void withoutAnyRuleOnlyTheRuntimesDefaultsAreAllowed() throws Exception {
        byte[] p = program(List.of());

        assertThat(EbpfInterpreter.allows(p, 'c', 1, 3, access("rw"))).isTrue();
        assertThat(EbpfInterpreter.allows(p, 'c', 5, 1, access("rw"))).isFalse();
        assertThat(EbpfInterpreter.allows(p, 'c', 4, 64, access("m"))).isTrue();
    }

    @Test
    void inAllowAllModeADenyRuleTakesAwayOnlyWhatItNames() throws Exception {
        byte[] p = exactly("allow a rwm", "deny c 4:64 rw");

        assertThat(EbpfInterpreter.allows(p, 'c', 4, 64, access("r"))).isFalse();
        assertThat(EbpfInterpreter.allows(p, 'c', 4, 64, access("w"))).isFalse();
        assertThat(EbpfInterpreter.allows(p, 'c', 4, 64, access("m"))).isTrue();
        assertThat(EbpfInterpreter.allows(p, 'c', 4, 65, access("rw"))).isTrue();
        assertThat(EbpfInterpreter.allows(p, 'b', 4, 64, access("rw"))).isTrue();
    }

    @Test
    void aLaterAllTypeRuleForgetsEverythingBeforeIt() throws Exception {
        assertThat(EbpfInterpreter.allows(exactly("deny a rwm", "allow a rwm"), 'c', 4, 64, access("rw"))).isTrue();
        byte[] p = exactly("allow c 1:3 rwm", "deny a rwm");
        assertThat(EbpfInterpreter.allows(p, 'c', 1, 3, access("r"))).isFalse();
    }

    @Test
    void aLaterDenyForTheSameDeviceTakesBackPartOfItsAccess() throws Exception {
        byte[] p = exactly("deny a rwm", "allow c 1:3 rwm", "deny c 1:3 w");

        assertThat(EbpfInterpreter.allows(p, 'c', 1, 3, access("r"))).isTrue();
        assertThat(EbpfInterpreter.allows(p, 'c', 1, 3, access("w"))).isFalse();
        assertThat(EbpfInterpreter.allows(p, 'c', 1, 3, access("rw"))).isFalse();
        assertThat(EbpfInterpreter.allows(p, 'c', 1, 3, access("m"))).isTrue();
    }

    @Test
    void accessGrantedByTwoRulesForOneDeviceAddsUp() throws Exception {
        byte[] p = exactly("deny a rwm", "allow c 1:3 r", "allow c 1:3 w");

        assertThat(EbpfInterpreter.allows(p, 'c', 1, 3, access("rw"))).isTrue();
        assertThat(EbpfInterpreter.allows(p, 'c', 1, 3, access("m"))).isFalse();
    }

    @Test
    void anOpenNeedsAllItsAccessFromOneRule() throws Exception {
        // As in runc: read from one rule and write from a wildcard rule do not add up to read-write.
        byte[] p = exactly("deny a rwm", "allow c 1:3 r", "allow c -:- w");

        assertThat(EbpfInterpreter.allows(p, 'c', 1, 3, access("r"))).isTrue();
        assertThat(EbpfInterpreter.allows(p, 'c', 1, 3, access("w"))).isTrue();
        assertThat(EbpfInterpreter.allows(p, 'c', 1, 3, access("rw"))).isFalse();
    }

    @Test
    void wildcardMajorOrMinorMatchesAnyNumber() throws Exception {
        byte[] p = exactly("deny a rwm", "allow c -:64 r", "allow b 8:- r");

        assertThat(EbpfInterpreter.allows(p, 'c', 9, 64, access("r"))).isTrue();
        assertThat(EbpfInterpreter.allows(p, 'c', 9, 65, access("r"))).isFalse();
        assertThat(EbpfInterpreter.allows(p, 'b', 8, 17, access("r"))).isTrue();
        assertThat(EbpfInterpreter.allows(p, 'c', 8, 17, access("r"))).isFalse();
    }

    @Test
    void deviceNumbersOf2To31AndOverCompareExactly() throws Exception {
        byte[] p = exactly("deny a rwm", "allow c 4294967295:2147483648 r");

        assertThat(EbpfInterpreter.allows(p, 'c', -1, Integer.MIN_VALUE, access("r"))).isTrue();
        assertThat(EbpfInterpreter.allows(p, 'c', -1, 0, access("r"))).isFalse();
    }

    @Test
    void theProgramIsSmallAndEndsWithTheDefaultVerdict() throws Exception {
        byte[] p = program(CONTAINERD_DEFAULT);

        // 6 loads/shifts, then at most 7 instructions for each of 13 exceptions, then 2.
        assertThat(p.length / 8).isLessThanOrEqualTo(6 + 7 * 13 + 2);
        assertThat(p[p.length - 16] & 0xff).isEqualTo(EbpfProgram.ALU32_MOV_K);
        assertThat(p[p.length - 12]).isZero();
        assertThat(p[p.length - 8] & 0xff).isEqualTo(EbpfProgram.EXIT);
    }
}
