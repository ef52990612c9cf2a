* Small-signal capacitances of one charge-sharing row (blocks/cs_line.sp), for hand computations
* of the line voltage. Two rows with W = 1 on a held activation; an AC current of 1 A into a node
* gives C = -1 / (2 pi f Im V).
*   xh: hold state (SMP low, SH low): probe node xh.cs -> C_hold, the charge-holding capacitance
*       of a row (c_sample + the sampling and share switches' junction and overlap capacitance
*       on CS).
*   xs: share state (SH high, SMP low), alone on node lines -> C_share, what one row adds to the
*       line while its charge is shared (C_hold + the share switch's line side + its channel).
* Each probed node is biased at <v_bias> through 1 GOhm (open at the AC frequency).
* Placeholders: <models> <vdd> <temp> <c_sample> <v_gbl> <v_bias>, and <c_line> of the included
*   block (its cs_line_end is not instantiated here).
{{models}}
.include ../blocks/cs_line.sp
.temp {{temp}}
vdd vdd 0 {{vdd}}
vss vss 0 0
vgbl gbl 0 {{v_gbl}}
vlbl lbl 0 {{vdd}}
vlow low 0 0
vhigh high 0 {{vdd}}
vbias bias 0 {{v_bias}}
xh gbl lbl low high low high lineh vdd vss cs_row
rbh xh.cs bias 1e9
rbhl lineh bias 1e9
ih 0 xh.cs dc 0 ac 1
xs gbl lbl low high high low lines vdd vss cs_row
rbs lines bias 1e9
is 0 lines dc 0 ac 1
.end
