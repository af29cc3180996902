/**
 * He (Kaiming) and Xavier initializers, fans, gains and the variance audit of He et al. 2015.
 *
 * @module @rectifier/init
 */
export * from '@rectifier/init';
