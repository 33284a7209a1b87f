/* The libvips benchmark job, written against libvips' C API as libvips' own benchmark writes it
 * (pyvips tests/perf/vips-bench.py): load a TIFF with sequential access, crop 100 pixels off each
 * edge, shrink to 90% with vips_reduce (linear kernel: faster than vips_affine, which earlier
 * versions of this program used), sharpen with [-1 -1 -1; -1 16 -1; -1 -1 -1] / 8 in integer
 * precision, save as TIFF.
 * Usage: vips_job IN.tif OUT.tif */
#include <stdio.h>
#include <vips/vips.h>

int main(int argc, char** argv) {
  if (VIPS_INIT(argv[0])) vips_error_exit("cannot start libvips");
  if (argc != 3) {
    fprintf(stderr, "usage: %s IN.tif OUT.tif\n", argv[0]);
    return 2;
  }
  VipsImage* in = vips_image_new_from_file(argv[1], "access", VIPS_ACCESS_SEQUENTIAL, NULL);
  if (!in) vips_error_exit("cannot read %s", argv[1]);
  VipsImage* mask = vips_image_new_matrixv(3, 3, -1.0, -1.0, -1.0, -1.0, 16.0, -1.0, -1.0, -1.0, -1.0);
  vips_image_set_double(mask, "scale", 8);
  VipsImage *cropped, *shrunk, *sharp;
  if (vips_crop(in, &cropped, 100, 100, in->Xsize - 200, in->Ysize - 200, NULL) ||
      vips_reduce(cropped, &shrunk, 1.0 / 0.9, 1.0 / 0.9, "kernel", VIPS_KERNEL_LINEAR, NULL) ||
      vips_conv(shrunk, &sharp, mask, "precision", VIPS_PRECISION_INTEGER, NULL) ||
      vips_image_write_to_file(sharp, argv[2], NULL))
    vips_error_exit("vips_job failed");
  g_object_unref(sharp);
  g_object_unref(shrunk);
  g_object_unref(cropped);
  g_object_unref(mask);
  g_object_unref(in);
  vips_shutdown();
  return 0;
}
