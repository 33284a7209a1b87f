# `cmake --install build --prefix P`: what an application needs to build against tessera.
#   P/include/tessera/          public headers (runtime/ and kernels/ and the generated version.hpp)
#   P/lib/libtessera.so.X.Y.Z   the library, SONAME libtessera.so.X
#   P/lib/tessera/              libtessera_codecs.so, found by the library relative to itself
#   P/bin/tessera               the command line tool
#   P/lib/cmake/Tessera/        TesseraConfig.cmake, TesseraConfigVersion.cmake, targets
#   P/lib/pkgconfig/tessera.pc
include(CMakePackageConfigHelpers)

install(TARGETS tessera EXPORT TesseraTargets
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT runtime NAMELINK_COMPONENT dev)
install(TARGETS tessera_codecs LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}/tessera COMPONENT runtime)
install(DIRECTORY runtime/include/tessera kernels/include/tessera DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
        COMPONENT dev FILES_MATCHING PATTERN "*.hpp")
install(FILES ${PROJECT_BINARY_DIR}/include/tessera/version.hpp DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/tessera
        COMPONENT dev)

set(TESSERA_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/Tessera)
install(EXPORT TesseraTargets NAMESPACE Tessera:: DESTINATION ${TESSERA_CMAKE_DIR} COMPONENT dev)
configure_package_config_file(cmake/TesseraConfig.cmake.in ${PROJECT_BINARY_DIR}/TesseraConfig.cmake
                              INSTALL_DESTINATION ${TESSERA_CMAKE_DIR})
write_basic_package_version_file(${PROJECT_BINARY_DIR}/TesseraConfigVersion.cmake
                                 VERSION ${PROJECT_VERSION} COMPATIBILITY SameMajorVersion)
install(FILES ${PROJECT_BINARY_DIR}/TesseraConfig.cmake ${PROJECT_BINARY_DIR}/TesseraConfigVersion.cmake
        DESTINATION ${TESSERA_CMAKE_DIR} COMPONENT dev)

# Relocatable: the prefix is found from where the .pc file lies, so `--prefix` may change at install time.
file(RELATIVE_PATH TESSERA_PC_TO_PREFIX /root/${CMAKE_INSTALL_LIBDIR}/pkgconfig /root)
configure_file(cmake/tessera.pc.in ${PROJECT_BINARY_DIR}/tessera.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/tessera.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig COMPONENT dev)
