# xuncha_proto_library(<name> PROTOS <paths relative to protos/> [GRPC] [DEPS <libs>])
# Generates C++ (and gRPC stubs with GRPC) into the build tree and wraps it in a static library.
set(XUNCHA_PROTO_ROOT ${PROJECT_SOURCE_DIR}/protos)
set(XUNCHA_PROTO_OUT ${PROJECT_BINARY_DIR}/gen)

function(xuncha_proto_library name)
  cmake_parse_arguments(ARG "GRPC" "" "PROTOS;DEPS" ${ARGN})
  set(sources)
  foreach(proto ${ARG_PROTOS})
    get_filename_component(dir ${proto} DIRECTORY)
    get_filename_component(stem ${proto} NAME_WE)
    set(base ${XUNCHA_PROTO_OUT}/${dir}/${stem})
    set(outputs ${base}.pb.cc ${base}.pb.h)
    set(args --cpp_out=${XUNCHA_PROTO_OUT})
    if(ARG_GRPC)
      list(APPEND outputs ${base}.grpc.pb.cc ${base}.grpc.pb.h)
      list(APPEND args --grpc_out=${XUNCHA_PROTO_OUT}
           --plugin=protoc-gen-grpc=$<TARGET_FILE:gRPC::grpc_cpp_plugin>)
    endif()
    add_custom_command(
      OUTPUT ${outputs}
      COMMAND ${CMAKE_COMMAND} -E make_directory ${XUNCHA_PROTO_OUT}
      COMMAND protobuf::protoc ${args} -I ${XUNCHA_PROTO_ROOT} -I ${Protobuf_INCLUDE_DIRS}
              ${XUNCHA_PROTO_ROOT}/${proto}
      DEPENDS ${XUNCHA_PROTO_ROOT}/${proto} protobuf::protoc
      COMMENT "protoc ${proto}"
      VERBATIM)
    list(APPEND sources ${outputs})
  endforeach()
  add_library(${name} STATIC ${sources})
  target_include_directories(${name} PUBLIC ${XUNCHA_PROTO_OUT})
  target_link_libraries(${name} PUBLIC protobuf::libprotobuf gRPC::grpc++ ${ARG_DEPS})
endfunction()
