import { OPERATIONS, type OperationName } from '@iotreg/common';
import { SAMPLE_ANSWERS } from './sample-answers';

test.each(Object.entries(SAMPLE_ANSWERS))('the sample answer of %s is one its schema accepts, unchanged', (name, answer) => {
  expect(OPERATIONS[name as OperationName].answer.parse(answer)).toEqual(answer);
});
