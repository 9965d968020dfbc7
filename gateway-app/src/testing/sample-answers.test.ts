import { OPERATION_NAMES, OPERATIONS } from '@iotreg/common';
import { SAMPLE_ANSWERS } from './sample-answers';

test.each(OPERATION_NAMES)('the sample answer of %s is one its schema accepts, unchanged', (name) => {
  expect(OPERATIONS[name].answer.parse(SAMPLE_ANSWERS[name])).toEqual(SAMPLE_ANSWERS[name]);
});
