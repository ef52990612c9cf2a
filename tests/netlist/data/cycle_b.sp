* b
.include cycle_a.sp
