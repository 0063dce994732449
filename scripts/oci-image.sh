# Packs a directory into a one-layer OCI image (an image-layout tar that `ctr images import` takes).
# Sourced by the image scripts:   oci_image ROOTFS OUT.tar NAME CONFIG
# CONFIG is the image config's "config" object (JSON: Env, Cmd, Entrypoint, WorkingDir...).
oci_image() {
    local root=$1 out=$2 name=$3 image_config=$4 work
    work=$(mktemp -d)
    mkdir -p "$work/layout/blobs/sha256"
    oci_blob() { # file -> prints digest, moves it into the layout
        local d; d=$(sha256sum "$1" | cut -d' ' -f1)
        mv "$1" "$work/layout/blobs/sha256/$d"
        echo "$d"
    }
    tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -C "$root" -cf "$work/layer.tar" .
    local diff_id layer_size layer config_size config manifest_size manifest
    diff_id=$(sha256sum "$work/layer.tar" | cut -d' ' -f1)
    gzip -n -9 "$work/layer.tar"
    layer_size=$(stat -c %s "$work/layer.tar.gz")
    layer=$(oci_blob "$work/layer.tar.gz")
    cat > "$work/config.json" <<JSON
{"architecture":"amd64","os":"linux","config":$image_config,"rootfs":{"type":"layers","diff_ids":["sha256:$diff_id"]}}
JSON
    config_size=$(stat -c %s "$work/config.json")
    config=$(oci_blob "$work/config.json")
    cat > "$work/manifest.json" <<JSON
{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:$config","size":$config_size},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"sha256:$layer","size":$layer_size}]}
JSON
    manifest_size=$(stat -c %s "$work/manifest.json")
    manifest=$(oci_blob "$work/manifest.json")
    cat > "$work/layout/index.json" <<JSON
{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:$manifest","size":$manifest_size,"platform":{"architecture":"amd64","os":"linux"},"annotations":{"io.containerd.image.name":"$name","org.opencontainers.image.ref.name":"${name##*:}"}}]}
JSON
    echo '{"imageLayoutVersion":"1.0.0"}' > "$work/layout/oci-layout"
    tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -C "$work/layout" -cf "$out" .
    rm -rf "$work"
}
