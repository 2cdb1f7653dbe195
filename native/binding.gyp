{
  "targets": [
    {
      "target_name": "spikemesh_scatter",
      "sources": ["scatter.c"],
      "cflags": ["-O3", "-march=native", "-ffp-contract=off", "-fno-math-errno"]
    }
  ]
}
