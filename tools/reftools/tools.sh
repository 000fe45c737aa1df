# Shared by lock.sh and install.sh: which Debian packages the reference tools
# come from, which of their programs get a wrapper, and how the extracted tree
# is trimmed.

# Top-level packages (their libraries are resolved by lock.sh).
REFTOOLS_TOP="liblcms2-utils colord-data icc-profiles-free libgs-common libheif-examples libheif1
libavif-bin libavif15 webp libvips-tools libvips42"

# Programs given a wrapper in $IMGPIPE_REFTOOLS/bin.
REFTOOLS_BINS="jpgicc tificc transicc linkicc psicc
heif-enc heif-convert heif-info
avifenc avifdec
cwebp dwebp webpmux webpinfo
vips vipsthumbnail vipsheader"

# prune_root ROOT: drop the libvips modules we do not need (ImageMagick, PDF,
# OpenSlide and JPEG XL loaders), so their large dependency trees are not
# installed and libvips does not try to load them. vips-heif.so stays
# (heifload is the benchmark's yardstick).
prune_root() {
	find "$1" -path '*/vips-modules-*/*.so' ! -name vips-heif.so -delete
}

# lib_path ROOT: the library folders of an extracted tree, for LD_LIBRARY_PATH.
lib_path() {
	local d out=
	for d in "$1"/usr/lib/*-linux-gnu* "$1"/lib/*-linux-gnu* "$1"/usr/lib; do
		[ -d "$d" ] && out=${out:+$out:}$d
	done
	echo "$out"
}
