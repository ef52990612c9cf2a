* a
.include cycle_b.sp
