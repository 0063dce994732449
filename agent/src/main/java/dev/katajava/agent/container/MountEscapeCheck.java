package dev.katajava.agent.container;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * Refuses a mount destination whose path, resolved in the image, climbs above the container's root through
 * a symlink ({@code evil -> ../../../etc}). The launcher would keep such a mount inside the root anyway
 * (runc clamps ".." at the root too), but no honest image needs it, so it is reported as what it is.
 * Absolute symlinks ({@code /var/run -> /run}) are common in images and mean the container's own root:
 * they are followed from the root, not refused.
 */
final class MountEscapeCheck {
    private static final int MAX_SYMLINKS = 40;

    private MountEscapeCheck() {
    }

    static void require(Path rootfs, String destination) throws ContainerException {
        int depth = 0;
        for (String name : components(destination)) {
            depth += name.equals("..") ? -1 : 1;
            if (depth < 0) {
                throw ContainerException.invalid("mount destination " + destination
                        + ": its \"..\" leads out of the container's root filesystem");
            }
        }
        Deque<String> todo = new ArrayDeque<>(components(destination));
        List<String> resolved = new ArrayList<>();
        int links = 0;
        while (!todo.isEmpty()) {
            String name = todo.pollFirst();
            if (name.equals("..")) {
                if (resolved.isEmpty()) {
                    throw ContainerException.invalid("mount destination " + destination
                            + ": a symlink in it leads out of the container's root filesystem");
                }
                resolved.removeLast();
                continue;
            }
            Path here = rootfs.resolve(String.join("/", resolved)).resolve(name);
            // One lstat a component: on a 9p root each is a round trip to the host.
            BasicFileAttributes attributes;
            try {
                attributes = Files.readAttributes(here, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            } catch (IOException e) {
                return; // the rest does not exist yet: the launcher creates it inside the root
            }
            if (!attributes.isSymbolicLink()) {
                resolved.add(name);
                continue;
            }
            if (++links > MAX_SYMLINKS) {
                throw ContainerException.invalid("mount destination " + destination
                        + ": too many levels of symbolic links");
            }
            String target;
            try {
                target = Files.readSymbolicLink(here).toString();
            } catch (IOException e) {
                throw ContainerException.invalid("mount destination " + destination + ": cannot read symlink /"
                        + String.join("/", resolved) + "/" + name + ": " + e.getMessage());
            }
            if (target.startsWith("/")) {
                resolved.clear();
            }
            List<String> parts = components(target);
            for (int i = parts.size() - 1; i >= 0; i--) {
                todo.addFirst(parts.get(i));
            }
        }
    }

    private static List<String> components(String path) {
        List<String> out = new ArrayList<>();
        for (String part : path.split("/", -1)) {
            if (!part.isEmpty() && !part.equals(".")) {
                out.add(part);
            }
        }
        return out;
    }
}
