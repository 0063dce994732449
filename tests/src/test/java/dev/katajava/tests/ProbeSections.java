package dev.katajava.tests;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/** The probe's output split into its named sections ({@code == name}), and their comparison. */
final class ProbeSections {
    private ProbeSections() {
    }

    static Map<String, List<String>> parse(String output) {
        Map<String, List<String>> sections = new LinkedHashMap<>();
        List<String> current = null;
        for (String line : output.lines().toList()) {
            if (line.startsWith("== ")) {
                current = new ArrayList<>();
                sections.put(line.substring(3).strip(), current);
            } else if (current != null) {
                current.add(line);
            }
        }
        return sections;
    }

    /** One entry per section that differs after the accepted normalisations, with the differing lines. */
    static List<String> differences(Map<String, List<String>> runc, Map<String, List<String>> kata,
            List<AcceptedDifferences.Accepted> accepted) {
        List<String> out = new ArrayList<>();
        TreeSet<String> names = new TreeSet<>(runc.keySet());
        names.addAll(kata.keySet());
        for (String name : names) {
            List<String> a = normalise(name, runc.get(name), accepted);
            List<String> b = normalise(name, kata.get(name), accepted);
            if (!a.equals(b)) {
                out.add(name + ":\n" + lineDiff(a, b));
            }
        }
        return out;
    }

    /** Every section, whether it is the same, differs only as accepted, or differs, for the test's log. */
    static String describe(Map<String, List<String>> runc, Map<String, List<String>> kata,
            List<AcceptedDifferences.Accepted> list) {
        StringBuilder sb = new StringBuilder("probe sections (runc | kata):\n");
        TreeSet<String> names = new TreeSet<>(runc.keySet());
        names.addAll(kata.keySet());
        for (String name : names) {
            List<String> a = runc.getOrDefault(name, List.of());
            List<String> b = kata.getOrDefault(name, List.of());
            boolean accepted = normalise(name, runc.get(name), list).equals(normalise(name, kata.get(name), list));
            sb.append(a.equals(b) ? "  same      " : accepted ? "  accepted  " : "  different ").append(name).append('\n');
            if (!a.equals(b)) {
                sb.append(lineDiff(a, b));
            }
        }
        return sb.toString();
    }

    private static List<String> normalise(String section, List<String> lines, List<AcceptedDifferences.Accepted> accepted) {
        if (lines == null) {
            return List.of("<section missing>");
        }
        List<String> out = lines;
        for (AcceptedDifferences.Accepted a : accepted) {
            if (a.section().equals(section)) {
                out = a.normalise().apply(out);
            }
        }
        return out;
    }

    /** Lines only runc printed ({@code - }) and lines only ours printed ({@code + }). */
    private static String lineDiff(List<String> runc, List<String> kata) {
        StringBuilder sb = new StringBuilder();
        List<String> onlyKata = new ArrayList<>(kata);
        List<String> onlyRunc = new ArrayList<>();
        for (String line : runc) {
            if (!onlyKata.remove(line)) {
                onlyRunc.add(line);
            }
        }
        onlyRunc.forEach(l -> sb.append("    - runc: ").append(l).append('\n'));
        onlyKata.forEach(l -> sb.append("    + kata: ").append(l).append('\n'));
        if (onlyRunc.isEmpty() && onlyKata.isEmpty()) {
            sb.append("    (same lines, other order)\n");
        }
        return sb.toString();
    }
}
