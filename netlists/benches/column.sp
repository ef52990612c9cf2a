* One column's analog path: rows x A_MULT -> charge-sharing line -> SAR ADC.
*
* Placeholders: <models> <vdd> <temp> <c_sample> <c_line> <vref> <vcm>
*   <t_share_start> <t_edge>, <t_sample_adc> and the ADC's <adc_smp> <clk> sources
*   (SarSamplePwl/SarClockPwl with t_sample = <t_sample_adc>); each conversion period: rows
*   sample while SMP is high (RST empties the line and the ADC's bottom plates, whose input
*   switches are on), SMP falls, RST falls, SH shares the rows' charge onto the line and the
*   ADC's bottom plates; the ADC's SMP falls (the ADC holds the shared voltage), then SH falls
*   (its charge injection no longer reaches the sample) and the ADC converts.
*   <dacs> DAC subcircuit + instances + reference ladder + code sources, and the drivers of the
*   rows' GBLs (e.g. one AIN per row: a unity-gain follower of a DAC output) (generated),
*   <rows> the generated rows, <adc> the ADC subcircuit, <bits>, <adc_bits>.
{{models}}
.include ../blocks/cs_line.sp
.include ../blocks/strongarm.sp
{{adc}}
.temp {{temp}}
.param vd={{vdd}} tc={{t_conv}} ts={{t_share_start}} ta={{t_sample_adc}} te={{t_edge}}
vdd vdd 0 {vd}
vss vss 0 0
vref vref 0 {{vref}}
vcm vcm 0 {{vcm}}
{{dacs}}
vsmp smp 0 pulse({vd} 0 {ts} {te} {te} {tc-ts-2*te} {tc})
vsmpb smpb 0 pulse(0 {vd} {ts} {te} {te} {tc-ts-2*te} {tc})
vrst rst 0 pulse({vd} 0 {ts+2*te} {te} {te} {tc-ts-4*te} {tc})
vsh sh 0 pulse(0 {vd} {ts+4*te} {te} {te} {ta-ts-4*te} {tc})
vshb shb 0 pulse({vd} 0 {ts+4*te} {te} {te} {ta-ts-4*te} {tc})
vasmp asmp 0 {{adc_smp}}
vclk clk 0 {{clk}}
{{rows}}
xend line rst vss cs_line_end
xadc line asmp clk vref vcm {{adc_bits}} vdd vss sar_adc{{bits}}
.end
