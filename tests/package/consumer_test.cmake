# A consumer of the installed package (ctest runs it with cmake -P):
#   1. installs the build tree into WORK/prefix with `cmake --install`;
#   2. builds examples/embed against that prefix only, with MODE=cmake (find_package(Tessera))
#      or MODE=pkgconfig (`pkg-config --cflags --libs tessera`);
#   3. runs it on INPUT and checks the result with CHECKER (OpenCV on the whole image);
#   4. MODE=cmake also runs the installed CLI, asks find_package for version 99, which must
#      fail with CMake's version message, and runs the example without its codecs module, which
#      must fail with an error that lists where it looked.
# Variables: BUILD_DIR SOURCE_DIR WORK MODE CHECKER INPUT CXX
cmake_minimum_required(VERSION 3.25)

function(step)  # step(<description> COMMAND ...): runs the command, fails the test on error
  cmake_parse_arguments(S "" "" "COMMAND" ${ARGN})
  execute_process(COMMAND ${S_COMMAND} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${ARGV0} failed (${rc}):\n${out}\n${err}")
  endif()
  message(STATUS "${ARGV0}: ok")
  set(STEP_OUTPUT "${out}${err}" PARENT_SCOPE)
endfunction()

set(prefix ${WORK}/prefix)
file(REMOVE_RECURSE ${WORK})
file(MAKE_DIRECTORY ${WORK})
# Nothing may point the example at the build tree: no codec path, no library path.
unset(ENV{TESSERA_CODECS})
unset(ENV{LD_LIBRARY_PATH})
step("install into ${prefix}" COMMAND ${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${prefix})
foreach(f include/tessera/tessera.hpp include/tessera/ops.hpp include/tessera/version.hpp
          lib/cmake/Tessera/TesseraConfig.cmake lib/cmake/Tessera/TesseraConfigVersion.cmake
          lib/pkgconfig/tessera.pc lib/tessera/libtessera_codecs.so bin/tessera)
  if(NOT EXISTS ${prefix}/${f})
    message(FATAL_ERROR "the install lacks ${f}")
  endif()
endforeach()
if(EXISTS ${prefix}/include/tessera/cli_support.hpp)
  file(READ ${prefix}/include/tessera/tessera.hpp umbrella)
  if(umbrella MATCHES "cli_support")
    message(FATAL_ERROR "the umbrella header includes the CLI helpers")
  endif()
endif()

if(MODE STREQUAL "cmake")
  step("configure examples/embed with find_package(Tessera)"
       COMMAND ${CMAKE_COMMAND} -S ${SOURCE_DIR}/examples/embed -B ${WORK}/build -G Ninja -DCMAKE_PREFIX_PATH=${prefix}
               -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_COMPILER=${CXX})
  step("build examples/embed" COMMAND ${CMAKE_COMMAND} --build ${WORK}/build)
  set(embed ${WORK}/build/embed)
elseif(MODE STREQUAL "pkgconfig")
  set(ENV{PKG_CONFIG_PATH} ${prefix}/lib/pkgconfig)
  step("pkg-config --cflags --libs tessera" COMMAND pkg-config --cflags --libs tessera)
  string(STRIP "${STEP_OUTPUT}" flags)
  separate_arguments(flags UNIX_COMMAND "${flags}")
  set(embed ${WORK}/embed)
  step("compile main.cpp with pkg-config's flags only"
       COMMAND ${CXX} -std=c++20 -O2 ${SOURCE_DIR}/examples/embed/main.cpp ${flags} -o ${embed})
  # A library in a private prefix: the loader is told where, as a user would with ldconfig.
  set(ENV{LD_LIBRARY_PATH} ${prefix}/lib)
else()
  message(FATAL_ERROR "MODE must be cmake or pkgconfig, not '${MODE}'")
endif()

step("run the example" COMMAND ${embed} ${INPUT} ${WORK}/edges.png)
step("compare with OpenCV on the whole image" COMMAND ${CHECKER} ${INPUT} ${WORK}/edges.png)

if(MODE STREQUAL "cmake")
  step("installed CLI: --version" COMMAND ${prefix}/bin/tessera --version)
  step("installed CLI: run" COMMAND ${prefix}/bin/tessera run ${INPUT} ${WORK}/cli.png
                                    --pipeline "gaussian sigma=2 | sobel_mag | threshold t=40")
  step("compare the CLI's output" COMMAND ${CHECKER} ${INPUT} ${WORK}/cli.png)
  # Bad input: a version this package is not compatible with.
  file(WRITE ${WORK}/v99/CMakeLists.txt
       "cmake_minimum_required(VERSION 3.25)\nproject(v99 LANGUAGES CXX)\nfind_package(Tessera 99 REQUIRED)\n")
  execute_process(COMMAND ${CMAKE_COMMAND} -S ${WORK}/v99 -B ${WORK}/v99/build -G Ninja -DCMAKE_PREFIX_PATH=${prefix}
                  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(rc EQUAL 0 OR NOT "${out}${err}" MATCHES "Could not find a configuration file for package \"Tessera\" that is[ \n]+compatible with requested version \"99\"")
    message(FATAL_ERROR "find_package(Tessera 99) should fail with CMake's version message; got (${rc}):\n${out}\n${err}")
  endif()
  message(STATUS "find_package(Tessera 99) refused: ok")

  # Bad input: an install that lost its codecs module.
  file(RENAME ${prefix}/lib/tessera/libtessera_codecs.so ${WORK}/libtessera_codecs.so.moved)
  execute_process(COMMAND ${embed} ${INPUT} ${WORK}/none.png RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  file(RENAME ${WORK}/libtessera_codecs.so.moved ${prefix}/lib/tessera/libtessera_codecs.so)
  string(FIND "${err}" "looked at: ${prefix}/lib/tessera/libtessera_codecs.so: not found" where)
  if(rc EQUAL 0 OR where EQUAL -1 OR EXISTS ${WORK}/none.png)
    message(FATAL_ERROR "without its codecs module the example should fail listing where it looked; got (${rc}):\n${out}\n${err}")
  endif()
  message(STATUS "missing codecs module reported: ${err}")
endif()
