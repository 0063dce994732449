package dev.katajava.qapi;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class JavaNamesTest {
    @Test
    void typeNamesArePascalCase() {
        assertThat(JavaNames.type("query-cpus-fast")).isEqualTo("QueryCpusFast");
        assertThat(JavaNames.type("BLOCK_IO_ERROR")).isEqualTo("BlockIoError");
        assertThat(JavaNames.type("9p")).isEqualTo("T9p");
    }

    @Test
    void memberNamesAreCamelCaseAndNeverKeywords() {
        assertThat(JavaNames.member("qom-type")).isEqualTo("qomType");
        assertThat(JavaNames.member("device_add")).isEqualTo("deviceAdd");
        assertThat(JavaNames.member("default")).isEqualTo("default_");
        assertThat(JavaNames.member("hashCode")).isEqualTo("hashcode");
        assertThat(JavaNames.member("if")).isEqualTo("if_");
        assertThat(JavaNames.member("64bit")).isEqualTo("m64bit");
    }

    @Test
    void enumConstantsAreUpperCaseIdentifiers() {
        assertThat(JavaNames.constant("internal-error")).isEqualTo("INTERNAL_ERROR");
        assertThat(JavaNames.constant("x86_64")).isEqualTo("X86_64");
        assertThat(JavaNames.constant("9p")).isEqualTo("_9P");
    }
}
