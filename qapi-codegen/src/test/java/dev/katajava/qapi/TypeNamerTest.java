package dev.katajava.qapi;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

class TypeNamerTest {
    @Test
    void typesAreNamedFromWhereTheyAreFirstReachedAndClashesAreNumbered() throws Exception {
        Schema schema = new Schema(new ObjectMapper().readTree("""
                [{"name":"a","meta-type":"command","arg-type":"1","ret-type":"2"},
                 {"name":"a_","meta-type":"command","arg-type":"3","ret-type":"0"},
                 {"name":"0","meta-type":"object","members":[]},
                 {"name":"1","meta-type":"object","members":[{"name":"x","type":"2"}]},
                 {"name":"2","meta-type":"object","members":[{"name":"self","type":"2"}]},
                 {"name":"3","meta-type":"object","members":[{"name":"y","type":"str"}]},
                 {"name":"str","meta-type":"builtin","json-type":"string"}]
                """));

        TypeNamer namer = new TypeNamer(schema);

        assertThat(namer.nameOf("1")).isEqualTo("AArgs");
        assertThat(namer.nameOf("2")).isEqualTo("AArgsX");
        assertThat(namer.nameOf("3")).isEqualTo("AArgs2");
        assertThat(namer.nameOf("0")).isNull();
        assertThat(namer.nameOf("str")).isNull();
    }
}
