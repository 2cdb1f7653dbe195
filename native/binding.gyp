{
  "targets": [
    {
      "target_name": "spikemesh_native",
      "sources": ["kernel.c"],
      "cflags": ["-O3", "-Wno-psabi", "-ffp-contract=off", "-fno-math-errno", "-fno-trapping-math", "-Winline", "-Werror=inline"]
    }
  ]
}
