// The libvips benchmark job written with OpenCV the way most code would: read the whole TIFF,
// crop 100 pixels off each edge, resize to 90% (INTER_LINEAR), sharpen with
// [-1 -1 -1; -1 16 -1; -1 -1 -1] / 8 (filter2D), write an uncompressed TIFF.
// Usage: opencv_job IN.tif OUT.tif
#include <cstdio>

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: %s IN.tif OUT.tif\n", argv[0]);
    return 2;
  }
  const cv::Mat in = cv::imread(argv[1], cv::IMREAD_UNCHANGED);
  if (in.empty()) {
    std::fprintf(stderr, "opencv_job: cannot read %s\n", argv[1]);
    return 1;
  }
  const cv::Mat cropped = in(cv::Rect(100, 100, in.cols - 200, in.rows - 200));
  cv::Mat shrunk, sharp;
  cv::resize(cropped, shrunk, cv::Size(), 0.9, 0.9, cv::INTER_LINEAR);
  const cv::Mat k = (cv::Mat_<float>(3, 3) << -1, -1, -1, -1, 16, -1, -1, -1, -1) / 8;
  cv::filter2D(shrunk, sharp, -1, k);
  // Uncompressed, like the libvips and tessera runs of the job.
  if (!cv::imwrite(argv[2], sharp, {cv::IMWRITE_TIFF_COMPRESSION, 1})) {
    std::fprintf(stderr, "opencv_job: cannot write %s\n", argv[2]);
    return 1;
  }
  return 0;
}
