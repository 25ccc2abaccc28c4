# cmake -DNM=nm -DOBJECTS="a.o;b.o" -P check_isa_objects.cmake
# Fails when an instruction-set object file defines a weak symbol (an inline function or template
# instance the linker may pick for callers elsewhere) outside the namespaces braid::cpu::avx512 and
# braid::cpu::avx2. The exception-personality reference every C++ object carries is allowed.
set(bad "")
foreach(object IN LISTS OBJECTS)
  execute_process(COMMAND ${NM} -C ${object} OUTPUT_VARIABLE symbols RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "nm failed on ${object}")
  endif()
  string(REPLACE "\n" ";" lines "${symbols}")
  foreach(line IN LISTS lines)
    if(line MATCHES " [WVu] " AND NOT line MATCHES "braid::cpu::avx(512|2)::" AND
       NOT line MATCHES "DW\\.ref\\.__gxx_personality_v0")
      string(APPEND bad "  ${object}: ${line}\n")
    endif()
  endforeach()
endforeach()
if(bad)
  message(FATAL_ERROR "weak symbols shared with the rest of the program:\n${bad}")
endif()
