// Checks the consumer example's output (examples/embed) against the same operations done by
// OpenCV on the whole image: GaussianBlur sigma 2, sobel_mag, threshold 40. Exit 0 when every
// pixel is equal. Usage: check_edges in.png out.png
#include <cstdio>

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

int main(int argc, char** argv) {
  if (argc != 3) return std::fprintf(stderr, "usage: check_edges in.png out.png\n"), 2;
  const cv::Mat in = cv::imread(argv[1], cv::IMREAD_UNCHANGED), got = cv::imread(argv[2], cv::IMREAD_UNCHANGED);
  if (in.empty() || got.empty()) return std::fprintf(stderr, "check_edges: cannot read the images\n"), 1;
  cv::Mat blur, gx, gy, ax, ay, mag, expect;
  cv::GaussianBlur(in, blur, cv::Size(), 2, 2, cv::BORDER_REFLECT_101);
  cv::Sobel(blur, gx, CV_16S, 1, 0, 3);
  cv::Sobel(blur, gy, CV_16S, 0, 1, 3);
  cv::convertScaleAbs(gx, ax);
  cv::convertScaleAbs(gy, ay);
  cv::addWeighted(ax, 0.5, ay, 0.5, 0, mag);
  cv::threshold(mag, expect, 40, 255, cv::THRESH_BINARY);
  if (got.size() != expect.size() || got.type() != expect.type())
    return std::fprintf(stderr, "check_edges: output is %dx%d type %d, expected %dx%d type %d\n", got.cols, got.rows,
                        got.type(), expect.cols, expect.rows, expect.type()), 1;
  const int differing = cv::countNonZero(got != expect);
  std::printf("check_edges: %d of %d pixels differ from OpenCV on the whole image (%d set)\n", differing,
              static_cast<int>(expect.total()), cv::countNonZero(expect));
  return differing == 0 && cv::countNonZero(expect) > 0 ? 0 : 1;
}
