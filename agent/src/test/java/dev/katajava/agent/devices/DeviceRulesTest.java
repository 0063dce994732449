package dev.katajava.agent.devices;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.katajava.protocols.agent.LinuxDeviceCgroup;
import java.util.List;
import org.junit.jupiter.api.Test;

class DeviceRulesTest {
    private static LinuxDeviceCgroup rule(boolean allow, String type, long major, long minor, String access) {
        return LinuxDeviceCgroup.newBuilder().setAllow(allow).setType(type).setMajor(major).setMinor(minor)
                .setAccess(access).build();
    }

    @Test
    void aNegativeMajorOrMinorIsTheWildcardAndAnEmptyTypeMeansAll() throws Exception {
        DeviceRule r = DeviceRule.of(rule(true, "", -1, -5, "rwm"), "here");

        assertThat(r.type()).isEqualTo('a');
        assertThat(r.major()).isEqualTo(DeviceRule.ANY);
        assertThat(r.minor()).isEqualTo(DeviceRule.ANY);
        assertThat(r.access()).isEqualTo(DeviceRule.RWM);
    }

    @Test
    void unknownTypesAccessLettersAndEmptyAccessAreRefusedNamingTheRule() {
        assertThatThrownBy(() -> DeviceRules.forContainer(List.of(rule(true, "x", 1, 3, "rwm")), List.of()))
                .hasMessageContaining("linux.resources.devices[0]").hasMessageContaining("\"x\"");
        assertThatThrownBy(() -> DeviceRule.of(rule(true, "c", 1, 3, "rx"), "r1")).hasMessageContaining("'x'");
        assertThatThrownBy(() -> DeviceRule.of(rule(true, "c", 1, 3, ""), "r1")).hasMessageContaining("empty");
        assertThatThrownBy(() -> DeviceRule.of(rule(true, "c", 1L << 32, 3, "r"), "r1"))
                .hasMessageContaining("32 bits");
    }

    @Test
    void denyingOneDeviceInsideAWildcardAllowIsRefusedAsRuncRefusesIt() {
        assertThatThrownBy(() -> DeviceRules.forContainer(List.of(rule(false, "a", -1, -1, "rwm"),
                rule(true, "c", -1, -1, "rwm"), rule(false, "c", 4, 64, "rw")), List.of()))
                .isInstanceOf(DeviceException.class).hasMessageContaining("punch a hole");
    }

    @Test
    void theRuntimesDefaultsAreAddedUnlessTheSpecListsTheSameNode() throws Exception {
        List<LinuxDeviceCgroup> denyAll = List.of(rule(false, "a", -1, -1, "rwm"));

        assertThat(DeviceRules.forContainer(denyAll, List.of()).exceptions()).map(DeviceRule::toString)
                .contains("allow c *:* m", "allow b *:* m", "allow c 1:3 rwm", "allow c 136:* rwm",
                        "allow c 5:2 rwm", "allow c 10:200 rwm");
        assertThat(DeviceRules.forContainer(denyAll, List.of("/dev/null")).exceptions()).map(DeviceRule::toString)
                .doesNotContain("allow c 1:3 rwm");
    }

    @Test
    void aDenyThatRemovesAllAccessOfAnExceptionRemovesIt() throws Exception {
        DeviceRules r = DeviceRules.of(new DeviceRule(false, 'a', -1, -1, DeviceRule.RWM),
                new DeviceRule(true, 'c', 1, 3, DeviceRule.READ), new DeviceRule(false, 'c', 1, 3, DeviceRule.RWM));

        assertThat(r.exceptions()).isEmpty();
        assertThat(r.defaultAllow()).isFalse();
    }
}
